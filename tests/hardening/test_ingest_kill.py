"""An ingestion killed with SIGKILL mid-batch leaves no partial document; a re-run completes.

Runs real `manage.py ingest` processes against the real test database, so it needs a
server database that another process can see: PostgreSQL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Count

from statements.models import Document, Organisation, OtherName, Statement
from statements.services.ingest import text_sha256

PROJECT_DIR = Path(__file__).resolve().parents[2]
ARTICLES = 60

SPEAKERS = [
    ("Maria Lopez", "Minister of Finance", "the Finance Ministry"),
    ("Tomas Berg", "spokesman", "the Green Party"),
    ("Amina Yusuf", "Secretary-General", "the African Union"),
    ("Pierre Martin", "mayor", "the City Council"),
]


def _article(number: int) -> str:
    name, role, organisation = SPEAKERS[number % len(SPEAKERS)]
    other, _, other_org = SPEAKERS[(number + 1) % len(SPEAKERS)]
    dateline = "CONCORD, N.H. (AP) —" if number % 2 else "MANCHESTER, N.H. (AP) —"
    paragraphs = [
        f"{dateline} Report {number}: {name}, {role} of {organisation}, said on Monday "
        f"that the budget for project {number} would be cut by {number % 9 + 1} percent.",
        f"“We cannot keep spending money we do not have,” {name.split()[-1]} told reporters. "
        f"{other} of {other_org} criticised the plan and demanded a public vote.",
        f"According to {other_org}, the cuts would hit {number * 10} families. "
        f"{name.split()[-1]} rejected that claim, calling it exaggerated.",
    ]
    return "\n\n".join(paragraphs * 3) + "\n"


def _statement_counts() -> dict[str, int]:
    rows = Document.objects.annotate(n=Count("statements")).values_list("sha256", "n")
    return dict(rows)


@pytest.mark.django_db(transaction=True)
def test_sigkill_mid_batch_leaves_no_partial_document_and_rerun_completes(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the killed process must share the test database")
    folder = tmp_path / "articles"
    folder.mkdir()
    for number in range(ARTICLES):
        (folder / f"article-{number:03d}.txt").write_text(_article(number), encoding="utf-8")

    settings_dict = connection.settings_dict
    env = dict(os.environ)
    env["DATABASE_URL"] = (
        f"postgres://{settings_dict['USER']}@{settings_dict['HOST'] or '127.0.0.1'}:"
        f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
    )
    env["DJANGO_DEBUG"] = "1"
    command = [sys.executable, "manage.py", "ingest", str(folder), "--batch-size", "8"]

    process = subprocess.Popen(
        command, cwd=PROJECT_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if Document.objects.exists():
            break
        time.sleep(0.02)
    assert process.poll() is None, "ingest finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    after_kill = _statement_counts()
    assert 0 < len(after_kill) < ARTICLES, "the kill should land in the middle of the run"
    assert all(n > 0 for n in after_kill.values()), "a stored document lost its statements"

    rerun = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    completed = _statement_counts()
    assert len(completed) == ARTICLES
    # Documents stored before the kill were complete: the re-run left them as they were,
    # and re-extracting them from scratch gives exactly the rows they had.
    assert {sha: completed[sha] for sha in after_kill} == after_kill
    stored_files = [
        str(path)
        for path in sorted(folder.iterdir())
        if text_sha256(path.read_text(encoding="utf-8")) in after_kill
    ]
    assert len(stored_files) == len(after_kill)
    forced = subprocess.run(
        [*command[:3], *stored_files, "--force"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert forced.returncode == 0, forced.stderr
    assert {sha: n for sha, n in _statement_counts().items() if sha in after_kill} == after_kill
    _assert_datelines_name_nobody()


def _assert_datelines_name_nobody() -> None:
    """The agency credit in "CONCORD, N.H. (AP) —" is neither a speaker nor an alias of
    the place, however the run was cut and resumed."""
    assert (
        not OtherName.objects.filter(name__in=["AP", "N.H.", "NH"])
        .exclude(organisation__name="Associated Press")
        .exists()
    )
    assert not Organisation.objects.filter(
        name__in=["N.H.", "NH", "CONCORD", "MANCHESTER"]
    ).exists()
    speakers = set(
        Statement.objects.exclude(speaker_organisation=None).values_list(
            "speaker_organisation__name", flat=True
        )
    )
    assert "Associated Press" not in speakers
