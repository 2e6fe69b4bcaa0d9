"""Quotes: one quotation, every document that reported it, and who each says said it.

A ``Quote`` groups direct statements whose quoted words are the same
(``statements/quoting.py`` decides: identical, a contiguous cut, or a word or two apart).
This module keeps the grouping and the quote's derived fields true:

- ``statements_quote`` places statements (new, re-read, edited or reviewed ones) in
  quotes: each looks up the statements sharing its fingerprints (``QuoteFingerprint``,
  at most ``CANDIDATES`` of them), checks each by alignment, and joins the quote of the
  best match, starts a quote, or, when it contains reports of several quotes (the full
  sentence of which two outlets printed different cuts), merges them. Ingestion calls it
  for every document it stores. The statements of a call are placed in batches: one
  ranked query finds every statement's candidates, and the batch's quotes, links and
  fingerprints are written in one statement each, so a document costs the same few
  queries whatever the size of the knowledge base and however many quotations it holds.
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

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

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
# Fingerprints looked up per query (two parameters each, under SQLite's variable limit).
_PROBE_CHUNK = 4000


def _quotable(kind: str, review_status: str, tokens: QuoteTokens) -> bool:
    """Whether a statement takes part in quotes: a direct quotation nobody rejected."""
    return (
        kind == StatementKind.DIRECT
        and review_status != ReviewStatus.REJECTED
        and bool(tokens.words)
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


def statements_quote(*, statement_ids: Iterable[int], fresh: bool = False) -> QuoteReport:
    """Place each statement in its quote afresh (or in none), then refresh every quote
    that gained or lost a statement. Runs inside the caller's transaction. ``fresh`` says
    none of the statements has a quote or fingerprints yet (just created): nothing to undo.
    """
    placing = _Placing(QuoteReport())
    ids = sorted(set(statement_ids))
    for start in range(0, len(ids), _BATCH):
        _batch_quote(ids[start : start + _BATCH], placing, fresh=fresh)
    quotes_refresh(quote_ids=placing.report.touched)
    return placing.report


# Ids of the quotes a batch starts, until the batch inserts them: above every stored id and
# in the order they were started, as the inserted ids will be, so that every choice that
# compares quote ids (the oldest quote survives a merge) is the one made with stored ids.
_NEW_QUOTE = 1 << 62


@dataclass
class _Placing:
    """What one placing run knows beyond the database, so a batch reads and writes in a
    few set-based queries instead of a handful per statement.

    ``texts``: each quote's text as placing compares with it (its longest report so far;
    ``quotes_refresh`` writes the final text at the end). ``merged``: quotes merged away
    during the run, to their survivor.
    """

    report: QuoteReport
    texts: dict[int, str] = field(default_factory=dict)
    merged: dict[int, int] = field(default_factory=dict)
    started: list[int] = field(default_factory=list)  # this batch's new quotes, in order

    def resolve(self, quote_id: int | None) -> int | None:
        while quote_id in self.merged:
            quote_id = self.merged[quote_id]
        return quote_id


@dataclass
class _Quotable:
    """A statement being placed: its words, fingerprints and the quote it joins."""

    statement_id: int
    content: str
    tokens: QuoteTokens
    fingerprints: set[int]
    quote_id: int | None = None


def _batch_quote(ids: list[int], placing: _Placing, *, fresh: bool = False) -> None:
    """Place the statements ``ids`` in this order; ``fresh`` when none has a quote yet.

    The same decisions as placing them one by one (each sees the statements placed before
    it, in this batch or earlier), with the batch's candidates, their contents and their
    quotes' texts read in one query each, and its quotes, links and fingerprints written
    in one statement each.
    """
    report = placing.report
    rows = Statement.objects.filter(pk__in=ids).values_list(
        "pk", "kind", "review_status", "content", "quote_id"
    )
    by_id = {row[0]: row for row in rows.order_by()}
    if not fresh:
        report.touched.update(row[4] for row in by_id.values() if row[4] is not None)
        QuoteFingerprint.objects.filter(statement_id__in=ids).delete()
        Statement.objects.filter(pk__in=ids).exclude(quote=None).update(quote=None)
    batch = []
    for pk in ids:
        if pk not in by_id:
            continue
        _pk, kind, status, content, _quote = by_id[pk]
        if kind != StatementKind.DIRECT:
            continue
        tokens = quote_tokens(content)
        if _quotable(kind, status, tokens):
            batch.append(_Quotable(pk, content, tokens, quote_fingerprints(tokens)))
    if not batch:
        return
    report.statements += len(batch)
    stored = _stored_candidates([q.fingerprints for q in batch])
    contents = _stored_contents({pk for found in stored for _shared, pk in found}, placing)
    placed: dict[int, list[_Quotable]] = {}  # fingerprint -> statements of this batch
    for quotable, found in zip(batch, stored, strict=True):
        candidates = _candidates_merge(quotable, found, contents, placed, placing)
        _statement_place(quotable, candidates, placing)
        for fingerprint in quotable.fingerprints:
            placed.setdefault(fingerprint, []).append(quotable)
    _batch_write(batch, placing)


def _stored_candidates(probes: list[set[int]]) -> list[list[tuple[int, int]]]:
    """For each fingerprint set, the stored statements sharing most of its fingerprints,
    as ``(shared, statement id)``, at most ``CANDIDATES``, most shared first, then the
    oldest: one ranked query per chunk of whole sets (a set is never split, so each is
    counted by one query)."""
    found: list[list[tuple[int, int]]] = [[] for _ in probes]
    table = connection.ops.quote_name(QuoteFingerprint._meta.db_table)
    chunks: list[list[tuple[int, int]]] = [[]]
    for n, probe in enumerate(probes):
        if chunks[-1] and len(chunks[-1]) + len(probe) > _PROBE_CHUNK:
            chunks.append([])
        chunks[-1].extend((n, fingerprint) for fingerprint in sorted(probe))
    with connection.cursor() as cursor:
        for chunk in chunks:
            if not chunk:
                continue
            values = ", ".join(["(CAST(%s AS INTEGER), CAST(%s AS BIGINT))"] * len(chunk))
            cursor.execute(
                f"WITH probe (n, fingerprint) AS (VALUES {values}) "
                "SELECT n, statement_id, shared FROM ("
                " SELECT probe.n AS n, f.statement_id AS statement_id, COUNT(*) AS shared,"
                "  ROW_NUMBER() OVER (PARTITION BY probe.n"
                "   ORDER BY COUNT(*) DESC, f.statement_id) AS position"
                f" FROM probe JOIN {table} f ON f.fingerprint = probe.fingerprint"
                " GROUP BY probe.n, f.statement_id) ranked "
                "WHERE position <= %s",
                [*(value for pair in chunk for value in pair), CANDIDATES],
            )
            for n, statement_id, shared in cursor.fetchall():
                found[n].append((shared, statement_id))
    return [sorted(rows, key=lambda row: (-row[0], row[1])) for rows in found]


def _stored_contents(statement_ids: set[int], placing: _Placing) -> dict[int, _Candidate]:
    """The stored candidates' quotes and words, and (into ``placing.texts``) the texts of
    their quotes not known yet (what this run placed it knows better): one query."""
    contents = {}
    rows = Statement.objects.filter(pk__in=sorted(statement_ids)).values_list(
        "pk", "quote_id", "content", "quote__text"
    )
    for pk, quote_id, content, quote_text in rows.order_by():
        contents[pk] = _Candidate(pk, quote_id, quote_tokens(content))
        if quote_id is not None:
            placing.texts.setdefault(quote_id, quote_text)
    return contents


def _candidates_merge(
    quotable: _Quotable,
    stored: list[tuple[int, int]],
    contents: dict[int, _Candidate],
    placed: dict[int, list[_Quotable]],
    placing: _Placing,
) -> list[_Candidate]:
    """The statements sharing most fingerprints with ``quotable`` among the stored ones and
    those placed before it in this batch, ranked as the stored ones are (most shared
    first, then the oldest statement), with the quote each belongs to now."""
    shared: Counter = Counter()
    for fingerprint in quotable.fingerprints:
        for other in placed.get(fingerprint, ()):
            shared[other.statement_id] += 1
    earlier = {other.statement_id: other for ids in placed.values() for other in ids}
    ranked = sorted(
        [*stored, *((count, pk) for pk, count in shared.items())],
        key=lambda item: (-item[0], item[1]),
    )[:CANDIDATES]
    candidates = []
    for _count, pk in ranked:
        if pk in earlier:
            other = earlier[pk]
            candidates.append(_Candidate(pk, placing.resolve(other.quote_id), other.tokens))
        else:
            stored_one = contents[pk]
            quote_id = placing.resolve(stored_one.quote_id)
            candidates.append(_Candidate(pk, quote_id, stored_one.tokens))
    return candidates


def _statement_place(quotable: _Quotable, candidates: list[_Candidate], placing: _Placing) -> None:
    report, tokens = placing.report, quotable.tokens
    matches = []
    for candidate in candidates:
        alignment = quotes_align(tokens, candidate.tokens)
        if alignment.same and candidate.quote_id is not None:
            matches.append((candidate, alignment))
    # A quote is joined only by what is the same quotation as its longest report too: a
    # short common line ("we will make America great again") inside two speeches must not
    # chain them into one quote, whichever arrived first.
    canonical = {
        c.quote_id: quote_tokens(placing.texts[c.quote_id])
        for c, _ in matches
        if c.quote_id in placing.texts
    }
    matches = [
        (c, a)
        for c, a in matches
        if c.quote_id in canonical and quotes_align(tokens, canonical[c.quote_id]).same
    ]
    quote_id = _quote_choose(matches, placing)
    if quote_id is None:
        quote_id = _NEW_QUOTE + len(placing.started)
        placing.started.append(quote_id)
        placing.texts[quote_id] = quotable.content
        report.quotes_created += 1
    elif len(tokens) > max(len(canonical[c.quote_id]) for c, _ in matches):
        # The longest report so far: the next quotation is compared with it.
        placing.texts[quote_id] = quotable.content
    quotable.quote_id = quote_id
    report.touched.add(quote_id)


def _quote_choose(matches: list, placing: _Placing) -> int | None:
    """The quote a statement joins: when it contains reports of several quotes they are one
    quotation cut differently, merged here; when it lies inside several, the best match's."""
    if not matches:
        return None
    inside = {c.quote_id for c, alignment in matches if alignment.first_contains}
    if len(inside) > 1:
        survivor, *others = sorted(inside)
        longest = max(
            (placing.texts[pk] for pk in sorted(inside)), key=lambda text: len(quote_tokens(text))
        )
        placing.texts[survivor] = longest
        for other in others:
            placing.merged[other] = survivor
            placing.texts.pop(other, None)
        stored = [pk for pk in others if pk < _NEW_QUOTE]
        if stored:  # quotes started in this batch exist only in ``placing`` so far
            Statement.objects.filter(quote_id__in=stored).update(quote=survivor)
            Quote.objects.filter(pk__in=stored).delete()
        placing.report.quotes_merged += len(others)
        placing.report.touched.difference_update(others)
        return survivor
    if inside:
        return inside.pop()
    best, _alignment = max(matches, key=lambda m: (m[1].matched, -m[0].quote_id))
    return best.quote_id


def _batch_write(batch: list[_Quotable], placing: _Placing) -> None:
    """Insert the batch's new quotes (in the order they were started, so their ids keep
    that order), link its statements to their quotes and store its fingerprints."""
    started = [pk for pk in placing.started if pk not in placing.merged]
    created = Quote.objects.bulk_create([Quote(text=placing.texts[pk]) for pk in started])
    real = {pk: quote.pk for pk, quote in zip(started, created, strict=True)}
    for quotable in batch:
        quote_id = placing.resolve(quotable.quote_id)
        quotable.quote_id = real.get(quote_id, quote_id)
    # From here on the batch's quotes are known by their stored ids only.
    for pk in placing.started:
        placing.merged.pop(pk, None)
        placing.report.touched.discard(pk)
        text = placing.texts.pop(pk, None)
        if pk in real:
            placing.texts[real[pk]] = text
            placing.report.touched.add(real[pk])
    placing.started.clear()
    _rows_update(Statement, ["quote"], [(q.statement_id, [q.quote_id]) for q in batch])
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {quote(QuoteFingerprint._meta.db_table)} "
            f"({quote('statement_id')}, {quote('fingerprint')}) VALUES (%s, %s)",
            [(q.statement_id, f) for q in batch for f in sorted(q.fingerprints)],
        )


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
            # The quote's stored fields come along, to be compared with the recomputed ones.
            *(f"quote__{name}" for name in _QUOTE_FIELDS),
        )
    )
    for row in statements.order_by():
        rows.setdefault(row["quote_id"], []).append(row)
    emptied = [pk for pk in ids if pk not in rows]
    if emptied:
        Quote.objects.filter(pk__in=emptied).delete()
    changed = []
    for quote_id, quote_rows in rows.items():
        quote = Quote(
            pk=quote_id, **{name: quote_rows[0][f"quote__{name}"] for name in _QUOTE_FIELDS}
        )
        members = sorted(
            quote_rows,
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
    _quotes_update(changed)
    return len(changed)


def _quotes_update(quotes: list[Quote]) -> None:
    """Write the derived fields of ``quotes`` (and when they changed)."""
    now = timezone.now()
    for quote in quotes:
        quote.updated_at = now
    names = [*_QUOTE_FIELDS, "updated_at"]
    _rows_update(Quote, names, [(q.pk, [getattr(q, name) for name in names]) for q in quotes])


def _rows_update(model: type[Model], names: list[str], rows: list[tuple[int, list]]) -> None:
    """Set these columns of these rows (``(pk, values)``): one parametrised UPDATE run for
    every row, where ``bulk_update`` builds a CASE per field and row that costs more in
    Python than the write does in the database."""
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    pk_column = quote(model._meta.pk.column)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {pk_column} = %s"
    params = [
        [*(f.get_db_prep_save(v, connection) for f, v in zip(fields, values, strict=True)), pk]
        for pk, values in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


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
    placing = _Placing(QuoteReport())
    for start in range(0, len(ids), _BATCH):
        with transaction.atomic():
            _batch_quote(ids[start : start + _BATCH], placing, fresh=True)
    with transaction.atomic():
        quotes_refresh(quote_ids=placing.report.touched)
    return placing.report
