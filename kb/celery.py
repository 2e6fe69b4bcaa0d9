"""The Celery application of kb: `celery -A kb worker` runs the ingestion tasks.

Its settings are the ``CELERY_*`` names in kb/settings.py (so, like everything else, the
environment). Without ``CELERY_BROKER_URL`` nothing is ever sent to it.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kb.settings")

app = Celery("kb")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
