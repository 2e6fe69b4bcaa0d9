"""kb's Django project. The Celery application is loaded with it, so that tasks sent from
Django (``ingest --queue``, the admin) use kb's broker settings."""

from kb.celery import app as celery_app

__all__ = ["celery_app"]
