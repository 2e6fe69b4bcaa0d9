"""One name for a document everywhere: its title, else its first sentence."""

from __future__ import annotations

import pytest
from django.test import Client

from statements.models import first_sentence
from statements.readers import sources_read
from tests.conftest import SEED_ARTICLE
from tests.factories import DocumentFactory, StatementFactory

pytestmark = pytest.mark.django_db

TEXT = "Baghdad condemned the strikes on Friday. Ankara said the operation would go on.\n"


def test_first_sentence_is_cut_at_a_word_when_long():
    assert first_sentence(TEXT) == "Baghdad condemned the strikes on Friday."
    assert first_sentence("“We will stay,” he said. Then more.") == "“We will stay,” he said."
    long = first_sentence("word " * 100, limit=30)
    assert long.endswith("…") and len(long) <= 30 and "wor…" not in long


def test_an_untitled_document_is_named_by_its_first_sentence_on_every_page():
    document = DocumentFactory(title="", text=TEXT)
    statement = StatementFactory(document=document, content="the operation would go on")
    assert document.display_name == str(document) == "Baghdad condemned the strikes on Friday."
    client = Client()
    for url in (
        "/documents/",
        document.get_absolute_url(),
        statement.get_absolute_url(),
    ):
        page = client.get(url).content.decode()
        assert document.display_name in page, url
        assert "Untitled" not in page and f"Document {document.pk}" not in page, url


def test_the_seed_article_has_a_title():
    (seed,) = sources_read([str(SEED_ARTICLE)])
    assert seed.metadata.title
    assert not seed.text.startswith("title:")
