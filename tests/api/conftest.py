"""Fixtures for the API tests: a client, throttling reset, and a small real knowledge base.

``kb`` ingests the seed article and two more articles through the real ingestion service
(real spaCy), once per test module. Tests assert
relations against what was stored (counts from the database), not hard-coded extraction
results, so they keep holding while the extractor improves.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.db import transaction
from rest_framework.test import APIClient

from statements.models import Document
from tests.conftest import SEED_ARTICLE

SECOND_ARTICLE = (
    "Turkish Foreign Minister Hakan Fidan said on Monday that Ankara would keep its troops in "
    "northern Iraq. \u201cWe will not leave while the threat remains,\u201d Fidan told reporters "
    "at a press conference in Ankara. The Kurdistan Regional Government rejected the remarks. "
    "Iraqi Prime Minister Mohammed Shia al-Sudani urged Turkey to respect Iraq\u2019s "
    "sovereignty, and he called for an immediate withdrawal of Turkish forces.\n"
)

THIRD_ARTICLE = (
    "Fran\u00e7ois M\u00fcller, spokesman of the European Commission, said on Tuesday that the "
    "Commission welcomed the talks between Baghdad and Ankara. \u201cDialogue is the only way "
    "forward,\u201d M\u00fcller said. Iraqi President Abdul Latif Rashid warned that the attacks "
    "threaten regional stability.\n"
)


@dataclass
class KnowledgeBase:
    seed: Document
    second: Document
    third: Document


@pytest.fixture(autouse=True)
def _fresh_throttle() -> None:
    """Anonymous throttling counts requests in the cache; start every test from zero."""
    cache.clear()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


def _knowledge_base_ingest(nlp) -> KnowledgeBase:
    """The seed plus two articles, through ``documents_ingest`` as the conftest fixtures do."""
    from statements.nlp.records import DocumentMetadata
    from statements.readers import SourceDocument, sources_read
    from statements.services.ingest import documents_ingest

    report = documents_ingest(
        sources_read([str(SEED_ARTICLE)]),
        nlp=nlp,
        publisher="Example News",
        published="2024-05-10",
    )
    assert not report.failures, report.failures
    seed = Document.objects.get(pk=report.document_ids[0])
    others = []
    for text, metadata in (
        (
            SECOND_ARTICLE,
            {
                "title": "Turkey says troops stay in northern Iraq",
                "publisher": "Other Wire",
                "published": "2024-06-03",
                "url": "https://other-wire.example/turkey-troops",
            },
        ),
        (
            THIRD_ARTICLE,
            {
                "title": "Commission welcomes Baghdad-Ankara talks",
                "publisher": "Third Post",
                "published": "2024-07-02",
                "url": "https://third-post.example/talks",
            },
        ),
    ):
        source = SourceDocument("<api-test>", text, DocumentMetadata(**metadata), dict(metadata))
        report = documents_ingest([source], nlp=nlp)
        assert not report.failures, report.failures
        others.append(Document.objects.get(pk=report.document_ids[0]))
    return KnowledgeBase(seed=seed, second=others[0], third=others[1])


@pytest.fixture(scope="module")
def _kb_module(django_db_setup, django_db_blocker, nlp_pipeline):
    """Ingest once per test module inside an outer transaction rolled back at the end.

    Each test's own ``db`` transaction nests inside it (a savepoint), exactly like
    Django's ``TestCase.setUpTestData``: tests see the data and their writes are undone.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        yield _knowledge_base_ingest(nlp_pipeline)
        transaction.set_rollback(True)


@pytest.fixture
def kb(_kb_module, db) -> KnowledgeBase:
    return _kb_module
