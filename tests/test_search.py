"""Search behaves the same on SQLite and PostgreSQL: the suite runs on both (``make test``
and again with DATABASE_URL), and each query below expects the same hits on either.

Statements are found by what was said (content, speaker as written) or by who said it
(the speaker's name); a document's title finds documents, not their statements.
"""

from __future__ import annotations

import pytest

from statements import search
from statements.models import Document, Statement
from statements.search import document_search, query_parse, statement_search
from tests.factories import DocumentFactory, OrganisationFactory, PersonFactory, StatementFactory

pytestmark = pytest.mark.django_db

TEXTS = {
    "road": "Trade suffers and the development road project between Iraq and Turkey stalls.",
    "network": "The development of the road network is slow.",
    "withdraw": "Turkey must withdraw its troops from the Kurdistan Region.",
    "withdrawal": "We demand the full withdrawal of foreign forces.",
    "sovereignty": "Iraq's sovereignty must be respected by its neighbours.",
    "tariffs": "Canada will respond firmly.",
}


@pytest.fixture
def corpus() -> dict[str, Statement]:
    tawfiq = PersonFactory(name="Hawre Tawfiq")
    government = OrganisationFactory(name="Government of Turkey")
    statements = {}
    for key, text in TEXTS.items():
        document = DocumentFactory(
            title="Trudeau answers new tariffs" if key == "tariffs" else f"Notes on {key}",
            text=text,
        )
        speaker = {"speaker_person": tawfiq} if key == "sovereignty" else {}
        if key == "withdrawal":
            speaker = {"speaker_person": None, "speaker_organisation": government}
        statements[key] = StatementFactory(
            document=document,
            content=text,
            content_start=0,
            speaker_text="the official",
            **speaker,
        )
    return statements


def _found(corpus: dict[str, Statement], text: str) -> set[str]:
    keys = {statement.pk: key for key, statement in corpus.items()}
    found = statement_search(Statement.objects.all(), text).values_list("pk", flat=True)
    return {keys[pk] for pk in found}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("development road", {"road", "network"}),  # every word, anywhere
        ('"development road"', {"road"}),  # a phrase: the words in a row
        ("withdrawal", {"withdraw", "withdrawal"}),  # stemmed
        ("withdr*", {"withdraw", "withdrawal"}),  # a prefix
        ("sovereign*", {"sovereignty"}),
        ("road -network", {"road"}),  # exclusion
        ('development -"road network"', {"road"}),
        ("-Turkey", {"network", "sovereignty", "tariffs"}),  # said by or about Turkey: out
        ("Tawfiq", {"sovereignty"}),  # who said it
        ("-Tawfiq", set(TEXTS) - {"sovereignty"}),  # kept: no person said "withdrawal"
        ("government Turkey", {"withdrawal"}),
        ("the official", set(TEXTS)),  # the speaker as written; "the" is ignored
        ("tariffs", set()),  # a document title does not make its statements match
        ("Trudeau", set()),
        ("the", set()),
        ("zzyzx", set()),
    ],
)
def test_statement_search(corpus, query, expected):
    assert _found(corpus, query) == expected


@pytest.mark.parametrize("query", ["development road", "-Turkey", "Tawfiq", "the official"])
def test_statement_search_is_the_same_as_ids_or_as_a_condition(corpus, monkeypatch, query):
    """PostgreSQL narrows a search with few matches to their ids and one with many to the
    match itself: both give the same statements."""
    as_ids = _found(corpus, query)
    monkeypatch.setattr(search, "RARE_MATCHES", 0)
    assert _found(corpus, query) == as_ids


def test_search_follows_edits_and_deletions(corpus):
    statement = corpus["network"]
    statement.content = "A new bridge over the Tigris."
    statement.save()
    assert _found(corpus, "bridge") == {"network"}
    assert _found(corpus, '"road network"') == set()
    corpus["road"].delete()
    assert _found(corpus, '"development road"') == set()


def test_document_search_is_over_titles(corpus):
    titles = document_search(Document.objects.all(), "tariffs").values_list("title", flat=True)
    assert list(titles) == ["Trudeau answers new tariffs"]
    notes = document_search(Document.objects.all(), "notes -road -withdraw*")
    assert sorted(notes.values_list("title", flat=True)) == [
        "Notes on network",
        "Notes on sovereignty",
    ]
    assert document_search(Document.objects.all(), "trudeau -tariffs").count() == 0


def test_query_parse_reads_words_phrases_exclusions_and_prefixes():
    parsed = query_parse('Turkey "development road" -Iran -"al-Sudani" withdr* the')
    assert [(t.words, t.prefix) for t in parsed.required] == [
        (("turkey",), False),
        (("development", "road"), False),
        (("withdr",), True),
    ]
    assert [t.words for t in parsed.excluded] == [("iran",), ("al", "sudani")]
    assert not query_parse("the of and")
