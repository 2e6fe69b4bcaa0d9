"""Synthetic corpora for benchmarks: realistic shapes and sizes, produced fast.

kb must stay fast when its tables hold millions of rows, and the only way to know is to
measure with tables that large. Ingesting real articles runs at spaCy's speed (thousands of
words a second), so a million statements would take a day; this module writes rows that
*look* like ingested ones (people, organisations, roles, documents whose text the statement
offsets point into, events, targets) straight into the tables, in minutes.

Shapes that matter for query plans are modelled on news data:

* speakers follow a Zipf law (a few people speak in thousands of articles, most once),
  and the number of distinct actors grows sublinearly with the corpus;
* dates spread over several years; statement types and review statuses are skewed
  the way extraction output is (mostly plain statements, mostly unreviewed);
* words follow a Zipf law too, so full-text search has frequent and rare terms.

On PostgreSQL rows go in with ``COPY`` (psycopg's ``cursor.copy``), elsewhere with
``bulk_create``. Nothing is dropped or disabled: indexes and constraints stay in place, and
the tables are ``ANALYZE``d at the end so the planner sees their real sizes. Model
``save()`` and django-simple-history are bypassed (no history rows): this is benchmark data,
never to be mixed with a real knowledge base.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import hashlib
import itertools
import json
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, models, transaction

from statements.models import (
    Document,
    Event,
    EventParticipant,
    Identifier,
    Membership,
    Mention,
    Organisation,
    OtherName,
    Person,
    Quote,
    QuoteFingerprint,
    Statement,
    StatementTarget,
    SummaryCount,
    SummaryDay,
    SummaryLink,
    SummaryMember,
    SummaryStatement,
)
from statements.naming import name_key, slug_base
from statements.quoting import quote_fingerprints, quote_tokens
from statements.services.quotes import quotes_refresh
from statements.services.summaries import summaries_check, summaries_rebuild

EXTRACTOR_VERSION = "synthetic-1"
STATEMENTS_PER_DOCUMENT = 8
FIRST_DAY = dt.date(2015, 1, 1)
LAST_DAY = dt.date(2025, 12, 31)


def _words(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(text.split()))


GIVEN_NAMES = _words(
    "Ahmed Ali Amina Anna Carlos Chen Daniel David Elena Emma Fatima Hassan Ibrahim Ivan "
    "James Javier Jean John Karim Laila Leila Li Luis Maria Mariam Markus Mehmet Miguel "
    "Mohammed Mustafa Nadia Nasser Olga Omar Paul Pedro Peter Rania Robert Salim Samir "
    "Sara Sergei Sofia Tariq Thomas Wang Yusuf Zainab Zhang Abdul Adel Aisha Alexei Ana "
    "Anil Antonio Ayse Bashir Dmitri Emine Faisal Farida Georg Hamid Hiba Hussein Irina "
    "Jamal Kemal Khalid Lina Mahmoud Marco Marta Nabil Nour Rashid Reza Rustam Said Selim "
    "Tamara Walid Yasmin Yuri Zeynep Anıl Ebru Gökhan Şükrü Çağlar Renée Zoë José André"
)
FAMILY_PREFIXES = _words(
    "Al Bar Ben Cal Dar El Fer Gar Hal Ib Jab Kar Lam Mar Nas Or Pal Qas Rah Sal Tal Us "
    "Val Wal Yas Zah Ab Bak Dag Erd Fal Gul Has Kil Mol Nur Oz Rus Sev Tur"
)
FAMILY_SUFFIXES = _words(
    "abi adi ani ari avi ayan azi bek cak dan dov emi enko ev ez ghi ian ik ini ir "
    "itz kov man mir oglu oni ova ski tan ur"
)
COUNTRIES = _words(
    "Iraq Turkey Syria Iran Egypt Jordan Lebanon Israel Saudi-Arabia Qatar Kuwait Yemen "
    "Oman Libya Tunisia Algeria Morocco Sudan Ethiopia Kenya Nigeria Ghana France Germany "
    "Italy Spain Poland Ukraine Russia Georgia Armenia Azerbaijan Kazakhstan China Japan "
    "India Pakistan Afghanistan Brazil Mexico Canada Chile Peru Colombia Argentina "
    "Indonesia Malaysia Vietnam Thailand Philippines Korea Australia Britain Ireland "
    "Greece Cyprus Serbia Hungary Romania Sweden"
)
ORGANISATION_FORMS = (
    ("Ministry of Foreign Affairs of {c}", "ministry"),
    ("Ministry of Defence of {c}", "ministry"),
    ("Ministry of Interior of {c}", "ministry"),
    ("Ministry of Finance of {c}", "ministry"),
    ("Government of {c}", "government"),
    ("Presidency of {c}", "presidency"),
    ("Parliament of {c}", "parliament"),
    ("{c}", "state"),
    ("{a} Party of {c}", "party"),
    ("{a} Movement of {c}", "movement"),
    ("{a} Front of {c}", "armed group"),
    ("{a} Brigades of {c}", "armed group"),
    ("{a} News of {c}", "media"),
    ("{a} Council of {c}", "international organisation"),
)
ORGANISATION_ADJECTIVES = _words(
    "National Democratic Popular Socialist Liberal Islamic Patriotic United Free "
    "Progressive Conservative Republican Green Labour Reform Unity Justice Future Peace "
    "Independent Federal Revolutionary Constitutional Civic Workers Farmers Youth"
)
ROLES = (
    "Minister",
    "Deputy Minister",
    "Spokesperson",
    "Secretary-General",
    "President",
    "Prime Minister",
    "Member of Parliament",
    "Ambassador",
    "Commander",
    "Chairman",
    "Director of Foreign Relations",
    "Senior Adviser",
    "Party Leader",
    "Governor",
    "Head of Delegation",
)
CUES = (
    ("said", "speech", 40),
    ("stated", "speech", 8),
    ("told reporters", "speech", 8),
    ("stressed", "speech", 6),
    ("added", "speech", 6),
    ("announced", "speech", 5),
    ("warned", "speech", 4),
    ("renewed the call for", "speech", 3),
    ("called on", "speech", 3),
    ("denied", "speech", 2),
    ("wrote", "writing", 4),
    ("tweeted", "writing", 2),
    ("said in a statement", "writing", 3),
)
# (type, weight, CAMEO code, PLOVER code): extraction output is mostly plain statements.
TYPES = (
    ("statement", 55, "010", "CONSULT"),
    ("appeal", 8, "020", "REQUEST"),
    ("demand", 7, "100", "DEMAND"),
    ("criticism", 8, "111", "DISAPPROVE"),
    ("accusation", 4, "112", "ACCUSE"),
    ("rejection", 4, "120", "REJECT"),
    ("threat", 3, "130", "THREATEN"),
    ("denial", 3, "014", "DISAPPROVE"),
    ("support", 4, "051", "SUPPORT"),
    ("intention", 3, "030", "AGREE"),
    ("agreement", 2, "057", "AGREE"),
)
REVIEW_STATUSES = (("auto", 85), ("accepted", 8), ("edited", 3), ("rejected", 2))
REVIEW_STATUSES += (("needs_review", 2),)
KINDS = (("direct", 45), ("indirect", 45), ("mixed", 10))
EVENT_FORMS = (
    ("interview with {p}", "interview"),
    ("meeting in {c}", "meeting"),
    ("press conference in {c}", "press conference"),
    ("speech to {p}", "speech"),
    ("summit in {c}", "summit"),
    ("visit to {c}", "visit"),
    ("phone call", "phone call"),
    ("rally in {c}", "rally"),
)
PUBLISHERS = (
    "Example News",
    "The Daily Record",
    "Regional Wire",
    "Capital Times",
    "Global Dispatch",
    "Evening Herald",
    "Press Agency",
    "Shafaq Example",
    "Kurdistan Example 24",
    "Middle East Monitor Example",
    "Observer Weekly",
    "Morning Ledger",
)
# Ordered roughly by frequency: the Zipf weights give the first words the most weight.
VOCABULARY = _words(
    "the of and to in a that is for on will be with government not are forces all must "
    "people country security we our this have it by its would from as region talks "
    "international military withdrawal support peace agreement sovereignty cooperation "
    "parliament election elections border troops ceasefire sanctions economy oil gas "
    "water reform constitution rights justice violence attack attacks operation operations "
    "negotiations dialogue stability crisis refugees aid budget corruption protesters "
    "protest demands dialogue committee law vote coalition opposition minister president "
    "ministry decision decisions future responsibility commitment unity independence "
    "federal regional local officials community communities investment trade exports "
    "imports infrastructure reconstruction humanitarian assistance missile drones airstrike "
    "airstrikes militia militias occupation violation violations interference neighbours "
    "neighbouring allies partners partnership treaty referendum amendment courts court "
    "judiciary prosecutors investigation evidence allegations accusations threat threats "
    "condemn condemned welcome welcomed reject rejected deny denied demand demanded urge "
    "urged call called warn warned support supported oppose opposed respect respected "
    "immediate immediately urgent serious grave unacceptable illegal legitimate peaceful "
    "stable strong weak fair free open transparent accountable historic strategic "
    "economic political social financial diplomatic military nuclear energy electricity "
    "pipeline development road project corridor port railway airport hospital schools "
    "teachers salaries pensions taxes prices inflation currency bank loans debt deficit "
    "growth jobs unemployment youth women children families victims martyrs prisoners "
    "hostages detainees journalists media freedom press speech assembly religion minority "
    "minorities kurdish arab turkmen yazidi christian sunni shia tribal tribes clans "
    "governor province provinces district capital city cities villages camps displaced "
    "return returns reconciliation compensation amnesty transition transitional interim "
    "caretaker cabinet quorum session sessions deadline timetable roadmap framework "
    "mechanism mechanisms guarantee guarantees mediation mediator envoy delegation summit "
    "bilateral multilateral regionalism pipelines desalination drought harvest wheat"
)
# A long tail of rarer words (made from syllables: names of places, projects, groups), so
# that, as in real news, most words are rare and a topical query matches a small share of
# the statements. "wheat" (the last real word) occurs in about 0.7% of statements.
_TAIL_SYLLABLES = _words("ka ri mo sal ben tur az del vin oro pak les mir qu ata")
TAIL_WORDS = tuple(
    a + b + c for a in _TAIL_SYLLABLES for b in _TAIL_SYLLABLES for c in ("n", "r", "stan", "ia")
)
WORDS = VOCABULARY + TAIL_WORDS


@dataclass(frozen=True)
class CorpusReport:
    """What :func:`corpus_generate` wrote, and how long it took."""

    statements: int
    documents: int
    people: int
    organisations: int
    memberships: int
    events: int
    targets: int
    seconds: float
    # Set when the corpus was not generated but copied (``corpus_rederive``): from where,
    # and whether its summaries differed from a recount by the current code.
    copied_from: str = ""
    summaries_rebuilt: bool = False

    def __str__(self) -> str:
        counts = (
            f"{self.statements} statements, {self.documents} documents, {self.people} people, "
            f"{self.organisations} organisations, {self.memberships} memberships, "
            f"{self.events} events, {self.targets} targets"
        )
        if self.copied_from:
            summaries = "rebuilt" if self.summaries_rebuilt else "checked exact"
            return (
                f"{counts}, copied from database {self.copied_from} and brought up to date "
                f"(migrations, summaries {summaries}, quotes refreshed) in {self.seconds:.1f} s"
            )
        rate = self.statements / self.seconds if self.seconds else 0.0
        return f"{counts} in {self.seconds:.1f} s ({rate:,.0f} statements/s)"


# Tables emptied by ``--clear``, children first (SQLite has no TRUNCATE ... CASCADE).
_CLEARED_MODELS: tuple[type[models.Model], ...] = (
    SummaryCount,
    SummaryDay,
    SummaryLink,
    SummaryMember,
    SummaryStatement,
    QuoteFingerprint,
    StatementTarget,
    Statement,
    Quote,
    EventParticipant,
    Event,
    Mention,
    Membership,
    OtherName,
    Identifier,
    Document,
    Person,
    Organisation,
)


def corpus_clear() -> None:
    """Empty every knowledge-base table (and their history tables). Users stay."""
    tables = [m._meta.db_table for m in _CLEARED_MODELS]
    history = [m.history.model for m in (Statement, Person, Organisation, Membership)]
    tables += [m._meta.db_table for m in history]
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                quoted = ", ".join(connection.ops.quote_name(t) for t in tables)
                # Rows written earlier in this transaction (a test) leave deferred foreign
                # key checks pending, and TRUNCATE refuses to run past them: check them now.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            return
        # Merged records point at their survivors (PROTECT): unlink before deleting.
        Person.objects.update(merged_into=None)
        Organisation.objects.update(merged_into=None, parent=None)
        for model in (*_CLEARED_MODELS, *history):
            model._base_manager.all()._raw_delete(connection.alias)


def corpus_generate(
    *,
    statements: int,
    seed: int = 0,
    clear: bool = False,
    chunk_documents: int = 5000,
    progress: Callable[[str], None] | None = None,
) -> CorpusReport:
    """Write a synthetic corpus of ``statements`` statements and everything they point to.

    Deterministic for a given ``seed`` on an empty database. Without ``clear`` the rows are
    added after the existing ones (new ids, new unique names), so a corpus can be grown.
    Documents are written in chunks of ``chunk_documents``, one transaction each, so memory
    stays flat however large the corpus.
    """
    if statements < 0:
        raise ValueError("statements must be >= 0")
    started = time.perf_counter()
    say = progress or (lambda message: None)
    rng = random.Random(seed)
    if connection.vendor == "postgresql":
        # Loading is not a request: a bulk UPDATE over a million rows may take minutes.
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")
    if clear:
        corpus_clear()
        say("cleared the knowledge-base tables")

    n_people = max(10, round(statements**0.75)) if statements else 0
    n_organisations = max(5, n_people // 5) if statements else 0

    ids = _IdAllocator()
    with transaction.atomic():
        organisations = _organisations_write(rng, n_organisations, ids)
        people = _people_write(rng, n_people, ids)
        memberships = _memberships_write(rng, people, organisations, ids)
    say(f"{len(people)} people, {len(organisations)} organisations, {len(memberships)} memberships")

    totals = {"documents": 0, "events": 0, "statements": 0, "targets": 0}
    first_statement_id = ids.take(Statement, 0).start if statements else None
    if statements:
        speaker_cum = _zipf_cumulative(len(people), 1.07)
        org_cum = _zipf_cumulative(len(organisations), 1.0)
        word_cum = _zipf_cumulative(len(WORDS), 1.0)
        membership_of = {m.person_id: m for m in reversed(memberships)}
        remaining = statements
        while remaining:
            chunk = _DocumentChunk(
                rng=rng,
                ids=ids,
                statements=min(remaining, chunk_documents * STATEMENTS_PER_DOCUMENT),
                people=people,
                organisations=organisations,
                membership_of=membership_of,
                speaker_cum=speaker_cum,
                org_cum=org_cum,
                word_cum=word_cum,
            )
            with transaction.atomic():
                counts = chunk.write()
            for key, value in counts.items():
                totals[key] += value
            remaining -= counts["statements"]
            say(f"{totals['statements']}/{statements} statements")

    if first_statement_id is not None:
        quotes = quotes_write(rng, ids, first_statement_id=first_statement_id)
        say(f"{quotes} quotes")
    # The rows went in by COPY, past the services: count their summaries as they would.
    summaries_rebuild()
    say("counted the summaries")
    _tables_analyze()
    return CorpusReport(
        statements=totals["statements"],
        documents=totals["documents"],
        people=len(people),
        organisations=len(organisations),
        memberships=len(memberships),
        events=totals["events"],
        targets=totals["targets"],
        seconds=time.perf_counter() - started,
    )


# --- quotes -------------------------------------------------------------------------------

# How many documents repeat one quotation: most are quoted once, some by a few outlets, a
# few by dozens (a Pareto tail, capped).
QUOTE_REPEAT_SHAPE = 1.3
QUOTE_REPEAT_MAX = 60


def quotes_write(rng: random.Random, ids: _IdAllocator, *, first_statement_id: int) -> int:
    """Group the direct statements from ``first_statement_id`` on into quotes, with their
    fingerprints, as ingestion would have left them.

    The words of synthetic statements are random, so which statements share a quote is
    drawn (consecutive runs of Pareto-distributed length) rather than found; the
    fingerprints are the real winnowing of each statement's words (the candidate index a
    new article looks up) and the quotes' fields come from the real ``quotes_refresh``.
    """
    rows = (
        Statement.objects.filter(pk__gte=first_statement_id, kind="direct")
        .order_by("pk")
        .values_list("pk", "content")
    )
    groups: list[list[int]] = []
    fingerprints: list[tuple[int, int]] = []
    left = 0
    for pk, content in rows.iterator(chunk_size=5000):
        if left == 0:
            size = int(rng.paretovariate(QUOTE_REPEAT_SHAPE))
            left = min(QUOTE_REPEAT_MAX, max(1, size))
            groups.append([])
        groups[-1].append(pk)
        left -= 1
        fingerprints.extend((pk, f) for f in quote_fingerprints(quote_tokens(content)))
    if not groups:
        return 0
    quote_ids = ids.take(Quote, len(groups))
    now = _now()
    with transaction.atomic():
        _rows_write(
            Quote,
            ("id", "text", "created_at", "updated_at"),
            ((q, "", now, now) for q in quote_ids),
        )
        fingerprint_ids = ids.take(QuoteFingerprint, len(fingerprints))
        _rows_write(
            QuoteFingerprint,
            ("id", "statement_id", "fingerprint"),
            ((i, pk, f) for i, (pk, f) in zip(fingerprint_ids, fingerprints, strict=True)),
        )
        _statement_quotes_set(
            (pk, quote) for quote, group in zip(quote_ids, groups, strict=True) for pk in group
        )
        quotes_refresh(quote_ids=quote_ids)
    return len(groups)


def _statement_quotes_set(pairs: Iterable[tuple[int, int]]) -> None:
    """``Statement.quote_id`` for many statements: a COPY and one UPDATE on PostgreSQL."""
    table = connection.ops.quote_name(Statement._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.executemany(
                f"UPDATE {table} SET quote_id = %s WHERE id = %s",
                [(quote, pk) for pk, quote in pairs],
            )
            return
        cursor.execute("CREATE TEMPORARY TABLE kb_quote_map (id bigint, quote_id bigint)")
        with cursor.copy("COPY kb_quote_map (id, quote_id) FROM STDIN") as copy:
            for row in pairs:
                copy.write_row(row)
        cursor.execute(
            f"UPDATE {table} AS s SET quote_id = m.quote_id FROM kb_quote_map AS m "
            "WHERE s.id = m.id"
        )
        cursor.execute("DROP TABLE kb_quote_map")


# --- writing rows -----------------------------------------------------------------------


class _IdAllocator:
    """Hands out primary keys after the current maximum, so rows can reference each other
    before they are written (COPY returns no ids); sequences are moved past them after."""

    def __init__(self) -> None:
        self._next: dict[type[models.Model], int] = {}

    def take(self, model: type[models.Model], count: int) -> range:
        if model not in self._next:
            last = model._base_manager.aggregate(m=models.Max("pk"))["m"] or 0
            self._next[model] = last + 1
        first = self._next[model]
        self._next[model] = first + count
        return range(first, first + count)


def _rows_write(
    model: type[models.Model], attnames: Sequence[str], rows: Iterable[Sequence]
) -> int:
    """Insert ``rows`` (tuples in ``attnames`` order, primary key included) into ``model``.

    Columns not named take the field's default, so fields added to the models later do not
    break the generator. PostgreSQL gets COPY (about 10x faster than INSERT); other
    databases get ``bulk_create``.
    """
    fields = [f for f in model._meta.concrete_fields if not getattr(f, "generated", False)]
    known = {f.attname for f in fields}
    unknown = set(attnames) - known
    if unknown:
        raise ValueError(f"{model.__name__} has no columns {sorted(unknown)}")
    missing = [f for f in fields if f.attname not in attnames]
    count = 0
    if connection.vendor == "postgresql":
        defaults = tuple(_copy_default(f) for f in missing)
        # COPY takes JSON as text; bulk_create below takes the Python values.
        json_at = [
            i
            for i, a in enumerate(attnames)
            if isinstance(model._meta.get_field(_field_name(model, a)), models.JSONField)
        ]
        if json_at:
            rows = (_json_dumped(row, json_at) for row in rows)
        columns = ", ".join(connection.ops.quote_name(_column_of(model, a)) for a in attnames)
        if missing:
            columns += ", " + ", ".join(connection.ops.quote_name(f.column) for f in missing)
        table = connection.ops.quote_name(model._meta.db_table)
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row((*row, *defaults) if defaults else row)
                count += 1
        _sequence_reset(model)
        return count
    batch: list[models.Model] = []
    for row in rows:
        batch.append(model(**dict(zip(attnames, row, strict=True))))
        count += 1
        if len(batch) >= 2000:
            model._base_manager.bulk_create(batch)
            batch = []
    if batch:
        model._base_manager.bulk_create(batch)
    return count


def _field_name(model: type[models.Model], attname: str) -> str:
    for field in model._meta.concrete_fields:
        if field.attname == attname:
            return field.name
    raise ValueError(attname)


def _json_dumped(row: Sequence, positions: list[int]) -> tuple:
    values = list(row)
    for i in positions:
        values[i] = json.dumps(values[i])
    return tuple(values)


def _column_of(model: type[models.Model], attname: str) -> str:
    for field in model._meta.concrete_fields:
        if field.attname == attname:
            return field.column
    raise ValueError(attname)


def _copy_default(field: models.Field):
    """A field's default as a COPY value (JSON as text: COPY parses it into jsonb)."""
    value = field.get_default()
    if isinstance(field, models.JSONField):
        return None if value is None and field.null else json.dumps(value)
    return value


def _sequence_reset(model: type[models.Model]) -> None:
    """Move the primary-key sequence past the explicit ids COPY wrote."""
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, %s), "
            f"(SELECT COALESCE(MAX({connection.ops.quote_name(pk)}), 1) "
            f"FROM {connection.ops.quote_name(table)}))",
            [connection.ops.quote_name(table), pk],
        )


def corpus_rederive(*, copied_from: str, started: float) -> CorpusReport:
    """Bring a corpus made earlier (a copy of an older ``generate_corpus`` database, already
    migrated) up to what the current code derives from its statements, and report it.

    The summaries are compared with a recount and rebuilt if they differ, and every
    quote's fields (text, speaker, first report, counts, conflict) recomputed, as
    ``corpus_generate`` does at its end; which statements share a quote stays as generated
    (the synthetic words are random, so matching them again would group nothing).
    ``started`` is when the copy began (``time.perf_counter``).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")
    # A recount is a third of a rebuild's time (which also deletes and writes every row).
    summaries_rebuilt = not summaries_check().ok
    if summaries_rebuilt:
        summaries_rebuild()
    quote_ids = list(Quote.objects.order_by("pk").values_list("pk", flat=True))
    quotes_refresh(quote_ids=quote_ids)
    _tables_analyze()
    return CorpusReport(
        statements=Statement.objects.count(),
        documents=Document.objects.count(),
        people=Person.objects.count(),
        organisations=Organisation.objects.count(),
        memberships=Membership.objects.count(),
        events=Event.objects.count(),
        targets=StatementTarget.objects.count(),
        seconds=time.perf_counter() - started,
        copied_from=copied_from,
        summaries_rebuilt=summaries_rebuilt,
    )


def _tables_analyze() -> None:
    """Give the planner real statistics: autovacuum may not have run yet after a bulk load."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (
            Document,
            Person,
            Organisation,
            Membership,
            Event,
            Statement,
            StatementTarget,
            Mention,
            EventParticipant,
            OtherName,
            Identifier,
            SummaryCount,
            SummaryDay,
            SummaryLink,
            SummaryMember,
            SummaryStatement,
            Quote,
            QuoteFingerprint,
        ):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


# --- actors -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Actor:
    id: int
    name: str


@dataclass(frozen=True)
class _Membership:
    id: int
    person_id: int
    organisation_id: int
    role: str


def _taken_keys(model: type[models.Model]) -> set[str]:
    return set(model._base_manager.values_list("name_key", flat=True))


def _taken_slugs(model: type[models.Model]) -> set[str]:
    return set(model._base_manager.values_list("slug", flat=True))


def _unique_names(
    candidates: Iterable[str], count: int, model: type[models.Model]
) -> list[tuple[str, str, str]]:
    """(name, name_key, slug) for ``count`` names whose key and slug are not taken yet."""
    keys, slugs = _taken_keys(model), _taken_slugs(model)
    chosen: list[tuple[str, str, str]] = []
    for name in candidates:
        key, slug = name_key(name), slug_base(name)
        if key in keys or slug in slugs:
            continue
        keys.add(key)
        slugs.add(slug)
        chosen.append((name, key, slug))
        if len(chosen) == count:
            return chosen
    # Every combination is taken: number the rest ("Omar Salabi 2", "Omar Salabi 3", ...).
    bases = [name for name, _, _ in chosen[:1000]] or [model.__name__]
    for n in itertools.count(2):
        for base in bases:
            name = f"{base} {n}"
            key, slug = name_key(name), slug_base(name)
            if key in keys or slug in slugs:
                continue
            keys.add(key)
            slugs.add(slug)
            chosen.append((name, key, slug))
            if len(chosen) == count:
                return chosen
    raise AssertionError("unreachable")


def _person_names(rng: random.Random) -> list[tuple[str, str, str]]:
    """Every (full name, given, family) combination, shuffled."""
    families = [p + s for p in FAMILY_PREFIXES for s in FAMILY_SUFFIXES]
    combos = [(f"{g} {f}", g, f) for g in GIVEN_NAMES for f in families]
    rng.shuffle(combos)
    return combos


def _people_write(rng: random.Random, count: int, ids: _IdAllocator) -> list[_Actor]:
    if not count:
        return []
    combos = _person_names(rng)
    parts = {full: (given, family) for full, given, family in combos}
    names = _unique_names((c[0] for c in combos), count, Person)
    now = _now()
    pks = ids.take(Person, len(names))
    honorifics = ("", "", "", "", "", "Dr.", "Sheikh", "General")
    rows = []
    for pk, (name, key, slug) in zip(pks, names, strict=True):
        given, family = parts.get(name, (name.split(" ")[0], name.split(" ")[-1]))
        rows.append(
            (pk, now, now, name, key, "", slug, "", None, False, given, family,
             rng.choice(honorifics), None)
        )  # fmt: skip
    _rows_write(
        Person,
        ("id", "created_at", "updated_at", "name", "name_key", "disambiguation", "slug",
         "summary", "wikidata_qid", "needs_review", "given_name", "family_name",
         "honorific_prefix", "merged_into_id"),
        rows,
    )  # fmt: skip
    return [_Actor(pk, name) for pk, (name, _, _) in zip(pks, names, strict=True)]


def _organisations_write(rng: random.Random, count: int, ids: _IdAllocator) -> list[_Actor]:
    if not count:
        return []
    combos = []
    for form, classification in ORGANISATION_FORMS:
        adjectives = ORGANISATION_ADJECTIVES if "{a}" in form else ("",)
        for country in COUNTRIES:
            for adjective in adjectives:
                name = form.format(a=adjective, c=country.replace("-", " "))
                combos.append((name, classification, country[:3].upper()))
    rng.shuffle(combos)
    # States and governments first: they are the ones spoken about most.
    combos.sort(key=lambda c: c[1] not in ("state", "government"))
    meta = {name: (classification, country) for name, classification, country in combos}
    names = _unique_names((c[0] for c in combos), count, Organisation)
    now = _now()
    pks = ids.take(Organisation, len(names))
    rows = []
    for pk, (name, key, slug) in zip(pks, names, strict=True):
        classification, country = meta.get(name, ("other", ""))
        rows.append(
            (pk, now, now, name, key, "", slug, "", None, False, classification, country,
             None, None)
        )  # fmt: skip
    _rows_write(
        Organisation,
        ("id", "created_at", "updated_at", "name", "name_key", "disambiguation", "slug",
         "summary", "wikidata_qid", "needs_review", "classification", "country", "parent_id",
         "merged_into_id"),
        rows,
    )  # fmt: skip
    return [_Actor(pk, name) for pk, (name, _, _) in zip(pks, names, strict=True)]


def _memberships_write(
    rng: random.Random, people: list[_Actor], organisations: list[_Actor], ids: _IdAllocator
) -> list[_Membership]:
    """About 70% of people hold one role, some a second (a former one)."""
    if not people or not organisations:
        return []
    org_cum = _zipf_cumulative(len(organisations), 1.0)
    chosen: list[tuple[int, int, str, str]] = []
    seen: set[tuple[int, int, str]] = set()
    for person in people:
        roles = 0 if rng.random() < 0.3 else (2 if rng.random() < 0.2 else 1)
        for n in range(roles):
            organisation = organisations[_pick(rng, org_cum)]
            role = rng.choice(ROLES)
            if (person.id, organisation.id, role) in seen:
                continue
            seen.add((person.id, organisation.id, role))
            chosen.append((person.id, organisation.id, role, "current" if n == 0 else "former"))
    pks = ids.take(Membership, len(chosen))
    now = _now()
    rows = []
    for pk, (person_id, organisation_id, role, status) in zip(pks, chosen, strict=True):
        start_year = rng.randint(2005, 2024)
        end = "" if status == "current" else str(min(start_year + rng.randint(1, 6), 2025))
        rows.append(
            (pk, now, now, person_id, organisation_id, role, str(start_year), end, status,
             None, None, None, "")
        )  # fmt: skip
    _rows_write(
        Membership,
        ("id", "created_at", "updated_at", "person_id", "organisation_id", "role",
         "start_date", "end_date", "status", "document_id", "start", "end", "source_text"),
        rows,
    )  # fmt: skip
    return [
        _Membership(pk, person_id, organisation_id, role)
        for pk, (person_id, organisation_id, role, _) in zip(pks, chosen, strict=True)
    ]


# --- documents, events, statements, targets ---------------------------------------------

_SPAN_DAYS = (LAST_DAY - FIRST_DAY).days
_CUE_NAMES = [c[0] for c in CUES]
_CUE_CUM = list(itertools.accumulate(c[2] for c in CUES))
_CUE_CLASS = {c[0]: c[1] for c in CUES}
_TYPE_CUM = list(itertools.accumulate(t[1] for t in TYPES))
_KIND_CUM = list(itertools.accumulate(k[1] for k in KINDS))
_REVIEW_CUM = list(itertools.accumulate(r[1] for r in REVIEW_STATUSES))


@dataclass
class _ChunkRows:
    """The rows of one chunk, as tuples in the column order ``write`` names."""

    documents: list[tuple] = dataclasses.field(default_factory=list)
    events: list[tuple] = dataclasses.field(default_factory=list)
    statements: list[tuple] = dataclasses.field(default_factory=list)
    targets: list[tuple] = dataclasses.field(default_factory=list)

    def write(self, ids: _IdAllocator) -> dict[str, int]:
        _rows_write(
            Document,
            ("id", "title", "url", "publisher", "published_at", "language", "text", "sha256",
             "source_path", "metadata", "word_count", "extractor_version", "ingested_at"),
            self.documents,
        )  # fmt: skip
        if self.events:
            _rows_write(
                Event,
                ("id", "name", "classification", "date", "date_text", "location",
                 "document_id", "start", "end"),
                self.events,
            )  # fmt: skip
        _rows_write(
            Statement,
            ("id", "created_at", "updated_at", "document_id", "speaker_person_id",
             "speaker_organisation_id", "speaker_text", "speaker_start", "speaker_end",
             "speaker_role", "membership_id", "cue", "cue_start", "cue_end", "cue_class",
             "content", "content_start", "content_end", "content_spans", "kind",
             "statement_type", "cameo_code", "plover_code", "event_id", "date",
             "extractor_version", "confidence", "original_extraction", "cluster_key",
             "review_status"),
            self.statements,
        )  # fmt: skip
        target_pks = ids.take(StatementTarget, len(self.targets))
        _rows_write(
            StatementTarget,
            ("id", "statement_id", "person_id", "organisation_id"),
            ((pk, *t) for pk, t in zip(target_pks, self.targets, strict=True)),
        )
        return {
            "documents": len(self.documents),
            "events": len(self.events),
            "statements": len(self.statements),
            "targets": len(self.targets),
        }


class _DocumentChunk:
    """A batch of documents with their events, statements and targets, written together."""

    def __init__(
        self,
        *,
        rng: random.Random,
        ids: _IdAllocator,
        statements: int,
        people: list[_Actor],
        organisations: list[_Actor],
        membership_of: dict[int, _Membership],
        speaker_cum: list[float],
        org_cum: list[float],
        word_cum: list[float],
    ) -> None:
        self.rng = rng
        self.ids = ids
        self.statements = statements
        self.people = people
        self.organisations = organisations
        self.membership_of = membership_of
        self.speaker_cum = speaker_cum
        self.org_cum = org_cum
        self.word_cum = word_cum

    def write(self) -> dict[str, int]:
        """Draw the chunk's documents, events, statements and targets, then write them."""
        rng = self.rng
        sizes = self._statements_per_document()
        doc_ids = self.ids.take(Document, len(sizes))
        self._statement_ids = iter(self.ids.take(Statement, self.statements))
        # Words for every statement of the chunk in one draw: random.choices is C code.
        self._lengths = [rng.randint(8, 30) for _ in range(self.statements)]
        self._words = rng.choices(WORDS, cum_weights=self.word_cum, k=sum(self._lengths))
        self._word_at = 0
        self._drawn = 0
        self._now = _now()
        rows = _ChunkRows()
        for doc_id, size in zip(doc_ids, sizes, strict=True):
            self._document(doc_id, size, rows)
        return rows.write(self.ids)

    def _document(self, doc_id: int, size: int, rows: _ChunkRows) -> None:
        """One article: a dateline, maybe an event sentence, then ``size`` statements."""
        rng = self.rng
        published = FIRST_DAY + dt.timedelta(days=rng.randrange(_SPAN_DAYS + 1))
        publisher = rng.choice(PUBLISHERS)
        country = rng.choice(COUNTRIES).replace("-", " ")
        words, word_at = self._words, self._word_at
        headline_words = words[word_at : word_at + 6] if word_at + 6 <= len(words) else []
        title = f"{country}: " + " ".join(headline_words).capitalize()
        parts = [f"{country.upper()}, {published:%d %B %Y} ({publisher}, #{doc_id}). "]
        offset = len(parts[0])
        event_id = event_date = None
        if rng.random() < 0.5:
            event_id = self.ids.take(Event, 1)[0]
            form, classification = rng.choice(EVENT_FORMS)
            event_date = published - dt.timedelta(days=rng.randrange(3))
            event_name = form.format(c=country, p=publisher)
            lead = "The remarks were made at a "
            sentence = f"{lead}{event_name}. "
            event_start = offset + len(lead)
            rows.events.append(
                (event_id, event_name, classification, event_date, "", country, doc_id,
                 event_start, event_start + len(event_name))
            )  # fmt: skip
            parts.append(sentence)
            offset += len(sentence)
        for _ in range(size):
            sentence = self._statement(doc_id, offset, event_id, event_date or published, rows)
            parts.append(sentence)
            offset += len(sentence)
        text = "".join(parts)
        rows.documents.append(
            (doc_id, title[:500], f"https://{slug_base(publisher)}.example/{doc_id}",
             publisher, published, "en", text,
             hashlib.sha256(text.encode()).hexdigest(), "", {},
             len(text.split()), EXTRACTOR_VERSION, self._now)
        )  # fmt: skip

    def _speaker(self) -> tuple[int | None, int | None, int | None, str, str]:
        """(person id, organisation id, membership id, speaker as written, role as written)."""
        rng = self.rng
        draw = rng.random()
        if draw < 0.8 and self.people:
            speaker = self.people[_pick(rng, self.speaker_cum)]
            membership = self.membership_of.get(speaker.id)
            if membership and rng.random() < 0.6:
                return speaker.id, None, membership.id, speaker.name, membership.role
            return speaker.id, None, None, speaker.name, ""
        if draw < 0.95 and self.organisations:
            speaker = self.organisations[_pick(rng, self.org_cum)]
            return None, speaker.id, None, speaker.name, ""
        return None, None, None, rng.choice(("senior officials", "a spokesperson", "sources")), ""

    def _statement(
        self, doc_id: int, offset: int, event_id: int | None, date: dt.date, rows: _ChunkRows
    ) -> str:
        """One statement row (and its targets) at ``offset``; returns its sentence."""
        rng = self.rng
        stmt_id = next(self._statement_ids)
        n_words = self._lengths[self._drawn]
        content = " ".join(self._words[self._word_at : self._word_at + n_words]).capitalize()
        self._word_at += n_words
        self._drawn += 1
        person_id, organisation_id, membership_id, speaker_text, role = self._speaker()
        cue = _CUE_NAMES[_pick(rng, _CUE_CUM)]
        kind = KINDS[_pick(rng, _KIND_CUM)][0]
        # "<Speaker>, <role>, <cue>: "<content>." -- offsets point into the text.
        prefix = speaker_text + (f", {role}," if role else "")
        speaker_start = offset
        cue_start = offset + len(prefix) + 1
        content_start = cue_start + len(cue) + 3
        type_name, _, cameo, plover = TYPES[_pick(rng, _TYPE_CUM)]
        review = REVIEW_STATUSES[_pick(rng, _REVIEW_CUM)][0]
        rows.statements.append(
            (stmt_id, self._now, self._now, doc_id, person_id, organisation_id,
             speaker_text, speaker_start, speaker_start + len(speaker_text),
             role, membership_id, cue, cue_start, cue_start + len(cue),
             _CUE_CLASS[cue], content, content_start, content_start + len(content),
             [], kind, type_name, cameo, plover, event_id, date, EXTRACTOR_VERSION,
             round(rng.uniform(0.4, 0.99), 2), {},
             hashlib.blake2b(content.encode(), digest_size=32).hexdigest(), review)
        )  # fmt: skip
        n_targets = rng.choices((0, 1, 2), weights=(45, 40, 15))[0]
        for target in self._targets(n_targets, organisation_id):
            rows.targets.append((stmt_id, *target))
        return f'{prefix} {cue}: "{content}." '

    def _statements_per_document(self) -> list[int]:
        """Between 1 and 15 statements an article (mean about 8), summing to the chunk."""
        sizes, left = [], self.statements
        while left:
            size = min(left, max(1, round(self.rng.triangular(1, 15, 8))))
            sizes.append(size)
            left -= size
        return sizes

    def _targets(
        self, count: int, speaker_organisation_id: int | None
    ) -> list[tuple[int | None, int | None]]:
        """Targets are mostly organisations and states (Zipf), sometimes people."""
        chosen: list[tuple[int | None, int | None]] = []
        for _ in range(count):
            if self.people and self.rng.random() < 0.3:
                target = (self.people[_pick(self.rng, self.speaker_cum)].id, None)
            elif self.organisations:
                organisation_id = self.organisations[_pick(self.rng, self.org_cum)].id
                if organisation_id == speaker_organisation_id:
                    continue
                target = (None, organisation_id)
            else:
                continue
            if target not in chosen:
                chosen.append(target)
        return chosen


# --- helpers ----------------------------------------------------------------------------


def _zipf_cumulative(count: int, exponent: float) -> list[float]:
    """Cumulative Zipf weights 1/rank**exponent for ranks 1..count."""
    return list(itertools.accumulate(1.0 / (rank**exponent) for rank in range(1, count + 1)))


def _pick(rng: random.Random, cumulative: list[float]) -> int:
    """Index drawn with the weights whose running sums are ``cumulative``."""
    return min(bisect.bisect(cumulative, rng.random() * cumulative[-1]), len(cumulative) - 1)


def _now() -> dt.datetime:
    return dt.datetime.now(tz=dt.UTC)
