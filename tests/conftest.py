"""Fixtures shared by the whole suite. Tests use the real database and the real spaCy model."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.admin.helpers import editors_group

PROJECT_DIR = Path(__file__).resolve().parent.parent
SEEDS_DIR = PROJECT_DIR / "seeds"
SEED_ARTICLE = SEEDS_DIR / "iraq-turkey-withdrawal.txt"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: pages keep summaries for a minute (views), and
    one test's data must not show through another's."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(scope="session")
def seed_path() -> Path:
    return SEED_ARTICLE


@pytest.fixture(scope="session")
def seed_text() -> str:
    """The seed article's text, without its header block (what a document stores)."""
    from statements.readers import txt_parse

    return txt_parse(SEED_ARTICLE.read_text(encoding="utf-8"), where=str(SEED_ARTICLE)).text


# ---------------------------------------------------------------- ingestion


@pytest.fixture(scope="session")
def nlp_pipeline():
    """The extraction pipeline, loaded once per test session (loading takes about a second)."""
    from django.conf import settings

    from statements.nlp import load_pipeline

    return load_pipeline(settings.KB_SPACY_MODEL)


@pytest.fixture
def ingest_text(db, nlp_pipeline):
    """Factory: ``ingest_text(text, title=..., publisher=..., published=..., url=...)`` ->
    the stored Document, ingested through the real service (engine included)."""
    from statements.models import Document
    from statements.nlp.records import DocumentMetadata
    from statements.readers import SourceDocument
    from statements.services.ingest import documents_ingest, text_sha256

    def ingest(text: str, *, path: str = "<test>", force: bool = False, **metadata):
        source = SourceDocument(path, text, DocumentMetadata(**metadata), dict(metadata))
        report = documents_ingest([source], force=force, nlp=nlp_pipeline)
        assert not report.failures, report.failures
        return Document.objects.get(sha256=text_sha256(text))

    return ingest


@pytest.fixture
def ingested_seed(db, nlp_pipeline):
    """The seed article ingested through ``documents_ingest`` (publisher "Example News" and
    published 2024-05-10 unless its header says otherwise); returns the Document."""
    from statements.models import Document
    from statements.readers import sources_read
    from statements.services.ingest import documents_ingest

    report = documents_ingest(
        sources_read([str(SEED_ARTICLE)]),
        nlp=nlp_pipeline,
        publisher="Example News",
        published="2024-05-10",
    )
    assert not report.failures, report.failures
    return Document.objects.get(pk=report.document_ids[0])


@pytest.fixture
def editor(db) -> User:
    """A staff user whose only rights come from the ``editors`` group the migration made."""
    user = User.objects.create_user("editor", "editor@example.org", "correct horse battery")
    user.is_staff = True
    user.save()
    user.groups.add(editors_group())
    return user


@pytest.fixture
def editor_client(editor: User) -> Client:
    client = Client()
    client.force_login(editor)
    return client
