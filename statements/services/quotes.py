"""Quotes: one quotation, every document that reported it, and who each says said it.

A ``Quote`` groups direct statements whose quoted words are the same
(``statements/quoting.py`` decides: identical, a contiguous cut, or a word or two apart).
This module keeps the grouping and the quote's derived fields true:

- ``statements_quote`` places statements (new, re-read, edited or reviewed ones) in
  quotes: each looks up the statements sharing its fingerprints (``QuoteFingerprint``,
  at most ``CANDIDATES`` of them), checks each by alignment, and joins the quote of the
  best match, starts a quote, or, when it contains reports of several quotes (the full
  sentence of which two outlets printed different cuts), merges them. Ingestion calls it
  for every document it stores, so a statement costs a bounded number of queries whatever
  the size of the knowledge base.
- ``quotes_refresh`` recomputes canonical text, speaker, first report, counts and the
  conflict flag from the quotes' public statements; it runs after every change above, after
  a merge of actors, a re-link and a review.
- ``quotes_rebuild`` starts from nothing (``manage.py rebuild_quotes``).
- ``review.quote_settle`` (a review decision, so it lives with the others): an editor
  names the quote's speaker.

Only direct statements that are not rejected take part: paraphrase is never merged with
quotation, and a rejected statement is not a statement.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count

from statements.models import (
    Organisation,
    Person,
    Quote,
    QuoteFingerprint,
    ReviewStatus,
    Statement,
    StatementKind,
)
from statements.quoting import QuoteTokens, quote_fingerprints, quote_tokens, quotes_align

# Statements sharing the most fingerprints with a new quotation that are checked by
# alignment: bounds the cost of one statement however common its words are.
CANDIDATES = 40
_BATCH = 500


def statement_quotable(statement: Statement) -> bool:
    """Whether a statement takes part in quotes: a direct quotation nobody rejected."""
    return (
        statement.kind == StatementKind.DIRECT
        and statement.review_status != ReviewStatus.REJECTED
        and bool(quote_tokens(statement.content).words)
    )


@dataclass
class _Candidate:
    statement_id: int
    quote_id: int | None
    tokens: QuoteTokens


@dataclass
class QuoteReport:
    """What a placing or rebuilding run did."""

    statements: int = 0
    quotes_created: int = 0
    quotes_merged: int = 0
    touched: set[int] = field(default_factory=set)


def statements_quote(*, statement_ids: Iterable[int]) -> QuoteReport:
    """Place each statement in its quote afresh (or in none), then refresh every quote
    that gained or lost a statement. Runs inside the caller's transaction."""
    report = QuoteReport()
    ids = sorted(set(statement_ids))
    for start in range(0, len(ids), _BATCH):
        _batch_quote(ids[start : start + _BATCH], report)
    quotes_refresh(quote_ids=report.touched)
    return report


def _batch_quote(ids: list[int], report: QuoteReport, *, fresh: bool = False) -> None:
    """Place the statements ``ids`` in this order; ``fresh`` when none has a quote yet."""
    position = {pk: n for n, pk in enumerate(ids)}
    statements = sorted(
        Statement.objects.filter(pk__in=ids).only(
            "pk", "kind", "review_status", "content", "quote_id"
        ),
        key=lambda s: position[s.pk],
    )
    if not fresh:
        report.touched.update(s.quote_id for s in statements if s.quote_id is not None)
        QuoteFingerprint.objects.filter(statement_id__in=ids).delete()
        Statement.objects.filter(pk__in=ids).exclude(quote=None).update(quote=None)
    for statement in statements:
        if statement_quotable(statement):
            report.statements += 1
            _statement_place(statement, report)


def _statement_place(statement: Statement, report: QuoteReport) -> None:
    tokens = quote_tokens(statement.content)
    fingerprints = quote_fingerprints(tokens)
    matches = []
    for candidate in _candidates(fingerprints, exclude=statement.pk):
        alignment = quotes_align(tokens, candidate.tokens)
        if alignment.same and candidate.quote_id is not None:
            matches.append((candidate, alignment))
    # A quote is joined only by what is the same quotation as its longest report too: a
    # short common line ("we will make America great again") inside two speeches must not
    # chain them into one quote, whichever arrived first.
    texts = dict(
        Quote.objects.filter(pk__in={c.quote_id for c, _ in matches}).values_list("pk", "text")
    )
    canonical = {pk: quote_tokens(text) for pk, text in texts.items()}
    matches = [
        (c, a)
        for c, a in matches
        if c.quote_id in canonical and quotes_align(tokens, canonical[c.quote_id]).same
    ]
    quote_id = _quote_choose(matches, report)
    if quote_id is None:
        quote_id = Quote.objects.create(text=statement.content).pk
        report.quotes_created += 1
    elif len(tokens) > max(len(canonical[c.quote_id]) for c, _ in matches):
        # The longest report so far: the next quotation is compared with it.
        Quote.objects.filter(pk=quote_id).update(text=statement.content)
    Statement.objects.filter(pk=statement.pk).update(quote=quote_id)
    QuoteFingerprint.objects.bulk_create(
        QuoteFingerprint(statement_id=statement.pk, fingerprint=f) for f in fingerprints
    )
    report.touched.add(quote_id)


def _candidates(fingerprints: set[int], *, exclude: int) -> list[_Candidate]:
    """The statements sharing most fingerprints with a quotation (two queries)."""
    if not fingerprints:
        return []
    shared = (
        QuoteFingerprint.objects.filter(fingerprint__in=fingerprints)
        .exclude(statement_id=exclude)
        .values("statement_id")
        .annotate(shared=Count("id"))
        .order_by("-shared", "statement_id")
        .values_list("statement_id", flat=True)[:CANDIDATES]
    )
    rows = Statement.objects.filter(pk__in=list(shared)).values_list("pk", "quote_id", "content")
    return [_Candidate(pk, quote, quote_tokens(content)) for pk, quote, content in rows]


def _quote_choose(matches: list, report: QuoteReport) -> int | None:
    """The quote a statement joins: when it contains reports of several quotes they are one
    quotation cut differently, merged here; when it lies inside several, the best match's."""
    if not matches:
        return None
    inside = {c.quote_id for c, alignment in matches if alignment.first_contains}
    if len(inside) > 1:
        survivor, *others = sorted(inside)
        longest = max(
            Quote.objects.filter(pk__in=inside).values_list("text", flat=True),
            key=lambda text: len(quote_tokens(text)),
        )
        Quote.objects.filter(pk=survivor).update(text=longest)
        Statement.objects.filter(quote_id__in=others).update(quote=survivor)
        Quote.objects.filter(pk__in=others).delete()
        report.quotes_merged += len(others)
        report.touched.difference_update(others)
        return survivor
    if inside:
        return inside.pop()
    best, _alignment = max(matches, key=lambda m: (m[1].matched, -m[0].quote_id))
    return best.quote_id


def _speaker_key(row: dict) -> tuple[str, int] | None:
    if row["speaker_person_id"] is not None:
        return ("person", row["speaker_person_id"])
    if row["speaker_organisation_id"] is not None:
        return ("organisation", row["speaker_organisation_id"])
    return None


def _quote_fields(rows: list[dict]) -> dict:
    """A quote's derived fields from its public statements' rows (sorted by first report)."""
    first = rows[0]
    tokens = {r["id"]: quote_tokens(r["content"]) for r in rows}
    # The longest report, one without a cut where two are as long: the earliest of those.
    longest = max(rows, key=lambda r: (len(tokens[r["id"]]), not tokens[r["id"]].after_cut))
    speakers = Counter(key for key in map(_speaker_key, rows) if key is not None)
    # Most statements name it; a tie goes to the speaker of the earliest report.
    order = {key: n for n, key in reversed(list(enumerate(map(_speaker_key, rows))))}
    speaker = max(speakers, key=lambda k: (speakers[k], -order[k])) if speakers else None
    publishers = {" ".join(r["document__publisher"].split()).casefold() for r in rows}
    return {
        "text": longest["content"],
        "speaker_person_id": speaker[1] if speaker and speaker[0] == "person" else None,
        "speaker_organisation_id": speaker[1] if speaker and speaker[0] == "organisation" else None,
        "first_document_id": first["document_id"],
        "first_reported": first["document__published_at"],
        "statement_count": len(rows),
        "document_count": len({r["document_id"] for r in rows}),
        "outlet_count": len(publishers - {""}),
        "speaker_count": len(speakers),
        "conflicting": len(speakers) > 1,
    }


_QUOTE_FIELDS = [
    "text",
    "speaker_person_id",
    "speaker_organisation_id",
    "first_document_id",
    "first_reported",
    "statement_count",
    "document_count",
    "outlet_count",
    "speaker_count",
    "conflicting",
]


def quotes_refresh(*, quote_ids: Iterable[int]) -> int:
    """Recompute the derived fields of these quotes; delete those left without statements.
    Returns how many quotes changed."""
    ids = sorted(set(quote_ids) - {None})
    changed = 0
    for start in range(0, len(ids), _BATCH):
        changed += _batch_refresh(ids[start : start + _BATCH])
    return changed


def _batch_refresh(ids: list[int]) -> int:
    rows: dict[int, list[dict]] = {}
    statements = (
        Statement.objects.public()
        .filter(quote_id__in=ids)
        .values(
            "id",
            "quote_id",
            "content",
            "speaker_person_id",
            "speaker_organisation_id",
            "document_id",
            "document__publisher",
            "document__published_at",
        )
    )
    for row in statements.order_by():
        rows.setdefault(row["quote_id"], []).append(row)
    Quote.objects.filter(pk__in=[pk for pk in ids if pk not in rows]).delete()
    quotes = list(Quote.objects.filter(pk__in=list(rows)))
    changed = []
    for quote in quotes:
        members = sorted(
            rows[quote.pk],
            key=lambda r: (
                r["document__published_at"] is None,
                r["document__published_at"],
                r["document_id"],
                r["id"],
            ),
        )
        values = _quote_fields(members)
        if any(getattr(quote, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(quote, name, value)
            changed.append(quote)
    Quote.objects.bulk_update(changed, [*_QUOTE_FIELDS, "updated_at"], batch_size=_BATCH)
    return len(changed)


def quotes_refresh_for_statements(*, statement_ids: Iterable[int]) -> int:
    """Refresh the quotes these statements belong to (after their speaker or status moved)."""
    quote_ids = (
        Statement.objects.filter(pk__in=list(statement_ids))
        .exclude(quote=None)
        .values_list("quote_id", flat=True)
    )
    return quotes_refresh(quote_ids=set(quote_ids))


def quotes_refresh_for_actor(*, actor: Person | Organisation) -> int:
    """Refresh the quotes an actor speaks in or is named the speaker of (after a merge)."""
    owner = "person" if isinstance(actor, Person) else "organisation"
    spoken = (
        Statement.objects.filter(**{f"speaker_{owner}": actor})
        .exclude(quote=None)
        .values_list("quote_id", flat=True)
    )
    named = Quote.objects.filter(**{f"speaker_{owner}": actor}).values_list("pk", flat=True)
    return quotes_refresh(quote_ids={*spoken, *named})


def quotes_rebuild() -> QuoteReport:
    """Drop every quote and place every direct statement again."""
    with transaction.atomic():
        QuoteFingerprint.objects.all().delete()
        Statement.objects.exclude(quote=None).update(quote=None)
        Quote.objects.all().delete()
    # In the order ingestion met them (documents are numbered as they are stored), so a
    # rebuild gives the quotes ingestion gave.
    ids = list(
        Statement.objects.filter(kind=StatementKind.DIRECT)
        .exclude(review_status=ReviewStatus.REJECTED)
        .order_by("document_id", "pk")
        .values_list("pk", flat=True)
    )
    report = QuoteReport()
    for start in range(0, len(ids), _BATCH):
        with transaction.atomic():
            _batch_quote(ids[start : start + _BATCH], report, fresh=True)
    with transaction.atomic():
        quotes_refresh(quote_ids=report.touched)
    return report
