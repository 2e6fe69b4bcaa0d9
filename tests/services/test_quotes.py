"""Quotes over a corpus written for the purpose (``quote_corpus.py``), ingested through the
real pipeline: exactly the expected quotes, speakers, conflicts and first reports; a
rebuild gives the same; settling, reviews, edits and merges keep them consistent."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import transaction

from statements.models import (
    Document,
    Person,
    Quote,
    QuoteFingerprint,
    ReviewStatus,
    Statement,
    StatementKind,
)
from statements.naming import fold_text
from statements.services.merge import person_merge
from statements.services.quotes import quotes_rebuild, statements_quote
from statements.services.review import quote_settle, statement_mark_edited, statements_review
from tests.services.quote_corpus import EXPECTED, ROSSI, WEBB, corpus_ingest

# The phrase that tells each speech's reports from the lines that merely share its words.
MARKERS = {
    "agreement": ("accept this agreement", "accept this deal"),
    "defence": ("equipment they need",),
    "strike": ("strike on monday",),
}


@pytest.fixture(scope="module")
def _corpus_module(django_db_setup, django_db_blocker, nlp_pipeline):
    with django_db_blocker.unblock(), transaction.atomic():
        yield corpus_ingest(nlp_pipeline)
        transaction.set_rollback(True)


@pytest.fixture
def corpus(_corpus_module, db) -> dict[str, Document]:
    return _corpus_module


def _report(speech: str, document: Document) -> Statement:
    """The statement of ``document`` that reports ``speech`` (one, direct)."""
    found = [
        s
        for s in Statement.objects.filter(document=document, kind=StatementKind.DIRECT)
        if any(marker in fold_text(s.content) for marker in MARKERS[speech])
    ]
    assert len(found) == 1, (speech, document.title, [s.content for s in found])
    return found[0]


def _groups() -> set[frozenset[int]]:
    return {
        frozenset(Statement.objects.filter(quote=quote).values_list("pk", flat=True))
        for quote in Quote.objects.all()
    }


def test_each_speech_is_one_quote_and_nothing_else_is_merged(corpus):
    reports = {
        speech: {_report(speech, corpus[key]).pk for key in expected["articles"]}
        for speech, expected in EXPECTED.items()
    }
    repeated = {group for group in _groups() if len(group) > 1}
    assert repeated == {frozenset(ids) for ids in reports.values()}
    # Every other direct quote (the lines sharing the speeches' words) stands alone.
    others = Statement.objects.filter(kind=StatementKind.DIRECT).exclude(
        pk__in=set().union(*reports.values())
    )
    assert others.count() == 3
    for statement in others:
        assert statement.quote is not None and statement.quote.statement_count == 1
    # Paraphrase never joins a quote.
    assert not Statement.objects.exclude(kind=StatementKind.DIRECT).exclude(quote=None).exists()


def test_speaker_conflict_first_report_and_counts(corpus):
    for speech, expected in EXPECTED.items():
        quote = _report(speech, corpus[expected["first"]]).quote
        assert quote.speaker_person.name == expected["speaker"], speech
        assert quote.conflicting is expected["conflicting"], speech
        assert quote.first_document == corpus[expected["first"]], speech
        assert quote.first_reported == corpus[expected["first"]].published_at
        assert quote.outlet_count == quote.document_count == len(expected["articles"])
        assert quote.statement_count == len(expected["articles"])
        # The canonical text is the longest report, as the first outlet printed it.
        assert quote.text == _report(speech, corpus[expected["first"]]).content
    conflicting = Quote.objects.filter(conflicting=True)
    assert [q.speaker_person.name for q in conflicting] == [ROSSI]
    names = set(conflicting[0].statements.values_list("speaker_person__name", flat=True))
    assert names == {ROSSI, WEBB}


def _signature() -> set[tuple]:
    return {
        (
            frozenset(quote.statements.values_list("pk", flat=True)),
            quote.text,
            quote.speaker_person_id,
            quote.first_document_id,
            quote.conflicting,
            quote.outlet_count,
        )
        for quote in Quote.objects.all()
    }


def test_a_rebuild_gives_the_same_quotes(corpus):
    before = _signature()
    report = quotes_rebuild()
    assert _signature() == before
    assert report.statements == Statement.objects.filter(kind=StatementKind.DIRECT).count()


def _editor() -> User:
    return User.objects.get_or_create(username="quote-editor")[0]


def test_settling_moves_machine_statements_and_leaves_reviewed_ones(corpus):
    quote = _report("agreement", corpus["harbour-post"]).quote
    rossi = Person.objects.get(name=ROSSI)
    wrong = _report("agreement", corpus["coastal-times"])
    user = _editor()
    statements_review(statements=[wrong], status=ReviewStatus.ACCEPTED, user=user)
    assert quote_settle(quote=quote, speaker=rossi, user=user) == 0
    wrong.refresh_from_db()
    assert wrong.speaker_person.name == WEBB  # a reviewed statement keeps its speaker
    quote.refresh_from_db()
    assert quote.conflicting
    wrong.review_status = ReviewStatus.AUTO
    wrong.save(update_fields=["review_status"])
    assert quote_settle(quote=quote, speaker=rossi, user=user) == 1
    wrong.refresh_from_db()
    assert wrong.speaker_person == rossi
    assert wrong.review_status == ReviewStatus.EDITED and wrong.reviewed_by == user
    quote.refresh_from_db()
    assert not quote.conflicting and quote.speaker_person == rossi


def test_rejecting_and_editing_keep_quotes_consistent(corpus):
    first = _report("strike", corpus["union-weekly"])
    quote = first.quote
    statements_review(statements=[first], status=ReviewStatus.REJECTED, user=_editor())
    quote.refresh_from_db()
    first.refresh_from_db()
    assert first.quote is None
    assert quote.statement_count == 2
    assert quote.first_document == corpus["metro-bulletin"]
    assert "and they will strike" not in quote.text
    statements_review(statements=[first], status=ReviewStatus.ACCEPTED, user=_editor())
    first.refresh_from_db()
    assert first.quote == quote
    # An editor rewrites a report into other words: it leaves the quote.
    cut = _report("strike", corpus["plains-observer"])
    cut.content = "The union will decide on Tuesday whether to call a general strike."
    statement_mark_edited(statement=cut, user=_editor())
    cut.refresh_from_db()
    quote.refresh_from_db()
    assert cut.quote != quote and quote.statement_count == 2


def test_a_merge_of_speakers_settles_the_conflict(corpus):
    quote = _report("agreement", corpus["harbour-post"]).quote
    rossi, webb = Person.objects.get(name=ROSSI), Person.objects.get(name=WEBB)
    person_merge(survivor=rossi, loser=webb)
    quote.refresh_from_db()
    assert not quote.conflicting and quote.speaker_person == rossi
    defence = _report("defence", corpus["river-gazette"]).quote
    assert defence.speaker_person == rossi


def test_a_common_line_does_not_chain_two_speeches(db):
    """A short line first, then two different speeches that both contain it: the first
    speech joins the line's quote, the second starts its own."""
    from tests.factories import StatementFactory

    line = "we are going to make this country great again"
    texts = [
        line,
        f"Jobs are coming back to the valley and {line}, starting with the mills",
        f"The border will be secure by the summer and {line}, believe me, folks",
    ]
    statements = [StatementFactory(content=text, kind="direct") for text in texts]
    for statement in statements:
        statements_quote(statement_ids=[statement.pk])
    quotes = [Statement.objects.get(pk=s.pk).quote_id for s in statements]
    assert quotes[0] == quotes[1] != quotes[2]
    assert Quote.objects.get(pk=quotes[0]).text == texts[1]


# Reports of two speeches and lines near them, in the order they arrive: two cuts of one
# sentence start two quotes that the whole sentence then merges; copies, a longer report,
# a spelling variant and an ellipsis join; a short common line and an unrelated sentence
# stay apart.
_BATCH_TEXTS = [
    "we will not accept this agreement as it stands",
    "we will vote against it on monday in the house",
    "We will not accept this agreement as it stands and we will vote against it on monday "
    "in the house",
    "We will not accept this agreement as it stands.",
    "our soldiers need the equipment that the defence budget was meant to buy them",
    "Our soldiers need the equipment that the defense budget was meant to buy them this year",
    "our soldiers need ... the defence budget was meant to buy them",
    "we will vote against it",
    "the harvest was late this year because of the long and unusually wet spring",
    "we will not accept this agreement as it stands and we will vote against it",
]


def _placed(statements: list[Statement]) -> list[tuple[frozenset[int], str, int]]:
    """The quotes as (indexes of their statements, text, statement count), id-free."""
    index = {s.pk: n for n, s in enumerate(statements)}
    groups: dict[int, set[int]] = {}
    for pk, quote_id in Statement.objects.filter(pk__in=index).values_list("pk", "quote_id"):
        if quote_id is not None:
            groups.setdefault(quote_id, set()).add(index[pk])
    quotes = Quote.objects.in_bulk(list(groups))
    return sorted(
        (frozenset(members), quotes[pk].text, quotes[pk].statement_count)
        for pk, members in groups.items()
    )


def _quotes_cleared() -> None:
    QuoteFingerprint.objects.all().delete()
    Statement.objects.update(quote=None)
    Quote.objects.all().delete()


@pytest.mark.parametrize(("stored_first", "probe_chunk"), [(0, 4000), (2, 4000), (5, 4000), (0, 5)])
def test_one_call_places_a_batch_as_one_call_per_statement_does(
    db, monkeypatch, stored_first, probe_chunk
):
    """Placing many statements in one call (candidates read once for the batch, quotes
    started, joined and merged inside it) gives the quotes that placing them one call at a
    time gives, whether the earlier statements are stored already or in the same batch, and
    however many queries the candidates are read in."""
    from statements.services import quotes
    from tests.factories import StatementFactory

    monkeypatch.setattr(quotes, "_PROBE_CHUNK", probe_chunk)

    statements = [StatementFactory(content=text, kind="direct") for text in _BATCH_TEXTS]
    for statement in statements:
        statements_quote(statement_ids=[statement.pk])
    one_by_one = _placed(statements)
    assert any(len(members) >= 4 for members, _text, _n in one_by_one)  # the merge happened
    assert frozenset({7}) in {members for members, _text, _n in one_by_one}

    _quotes_cleared()
    for statement in statements[:stored_first]:
        statements_quote(statement_ids=[statement.pk])
    report = statements_quote(statement_ids=[s.pk for s in statements[stored_first:]])

    assert _placed(statements) == one_by_one
    assert report.statements == len(statements) - stored_first
    assert QuoteFingerprint.objects.count() > 0
    assert not Quote.objects.filter(statement_count=0).exists()


def test_placing_again_moves_a_statement_and_drops_its_emptied_quote(db):
    """Re-placing statements whose words changed (not fresh: their old quotes and
    fingerprints are undone first) leaves no empty quote and the same quotes as new."""
    from tests.factories import StatementFactory

    statements = [StatementFactory(content=text, kind="direct") for text in _BATCH_TEXTS[:4]]
    statements_quote(statement_ids=[s.pk for s in statements], fresh=True)
    Statement.objects.filter(pk=statements[3].pk).update(content=_BATCH_TEXTS[8])
    statements_quote(statement_ids=[statements[3].pk, statements[1].pk])
    again = _placed(statements)

    _quotes_cleared()
    for statement in statements:
        statements_quote(statement_ids=[statement.pk])
    assert again == _placed(statements)
    assert frozenset({3}) in {members for members, _text, _n in again}
