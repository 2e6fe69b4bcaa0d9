"""A web worker loads the site without importing spaCy (it only needs the records)."""

import os
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent

CODE = (
    "import sys, django; django.setup(); "
    "from django.urls import resolve; import kb.urls, statements.admin, statements.api.views; "
    "print('spacy' in sys.modules)"
)


def test_loading_the_site_does_not_import_spacy():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "kb.settings", "DJANGO_DEBUG": "1"}
    result = subprocess.run(
        [sys.executable, "-c", CODE], cwd=PROJECT_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
