"""Summaries kept as data: what each person, organisation and event said, counted.

The pages of much-quoted speakers read three small tables (``SummaryCount``,
``SummaryDay``, ``SummaryLink``, see models.py) instead of aggregating every statement of
the speaker. The tables stay exact because every service that changes statements runs its
change inside ``summaries_follow``: the statements in scope are read before and after,
and the difference (what the changed statements contributed before, taken away; what they
contribute now, added) is written in the same transaction. The cost is proportional to
the statements changed, never to the speaker's total, so ingesting an article that quotes
the most quoted person costs a few upserts.

What is counted is what the public sees: statements not rejected by a reviewer
(``PUBLIC_REVIEW_STATUSES``). A statement contributes to its speaker (a person or an
organisation) and to its event: a count per (month, type, kind), a count per (day, type)
when dated, a link to each of its targets, and a link from its speaker to its event; and
it is listed (``SummaryStatement``) as said by its speaker person and its speaker
organisation, and as about each of its targets.
An organisation also has a members' summary (kind ``m``): its own rows plus the rows of
every person counted as its member in ``SummaryMember``. Every difference written for a
person is written for the organisations counting them too, and ``summaries_members_sync``
(called when memberships change) adds or takes away a whole person's rows when that person
starts or stops being counted, so its page reads one subject's rows however many members
it has.

``summaries_rebuild`` recounts everything (or some subjects) with grouped queries, a path
independent of the differences; ``summaries_check`` compares the tables with that recount.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, models, transaction
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear

from statements.models import (
    PUBLIC_REVIEW_STATUSES,
    UNDATED_MONTH,
    UNDATED_SORT_DATE,
    Membership,
    Statement,
    StatementTarget,
    SummaryCount,
    SummaryDay,
    SummaryLink,
    SummaryMember,
    SummaryRelation,
    SummaryStatement,
    SummarySubject,
)

PERSON, ORGANISATION, EVENT, MEMBERS = (
    SummarySubject.PERSON,
    SummarySubject.ORGANISATION,
    SummarySubject.EVENT,
    SummarySubject.MEMBERS,
)
SAID, ABOUT = SummaryRelation.SAID, SummaryRelation.ABOUT
_PUBLIC = frozenset(PUBLIC_REVIEW_STATUSES)
_CHUNK = 500
# Ids per query when reading the statements a change follows (SQLite's variable limit).
_SCOPE_CHUNK = 5000

# (subject kind, subject id): whom a summary row describes.
Subject = tuple[str, int]


@dataclass
class Tally:
    """Summary rows as counters keyed like the tables' unique keys."""

    counts: Counter = field(default_factory=Counter)  # (kind, id, month, type, kind)
    days: Counter = field(default_factory=Counter)  # (kind, id, day, type)
    links: Counter = field(default_factory=Counter)  # (kind, id, target kind, target id)
    # (kind, id, relation, sort date, statement id)
    statements: Counter = field(default_factory=Counter)

    def add(self, other: Tally, sign: int = 1) -> None:
        for mine, theirs in zip(_counters(self), _counters(other), strict=True):
            for key, n in theirs.items():
                mine[key] += sign * n

    def nonzero(self) -> Tally:
        return Tally(*(Counter({k: n for k, n in c.items() if n}) for c in _counters(self)))


def month_of(date: dt.date | None) -> int:
    return date.year * 100 + date.month if date is not None else UNDATED_MONTH


# --------------------------------------------------------------------- one statement's share

# A statement as the summaries see it: (id, document, review status, speaker person,
# speaker organisation, event, date, type, kind), and its targets.
_ROW_FIELDS = (
    "pk",
    "document_id",
    "review_status",
    "speaker_person_id",
    "speaker_organisation_id",
    "event_id",
    "date",
    "statement_type",
    "kind",
)
Snapshot = dict[int, tuple[tuple, tuple[Subject, ...]]]


def _scope_snapshot(statement_ids: Iterable[int], document_ids: Iterable[int]) -> Snapshot:
    """``_snapshot`` of these statements and of every statement of these documents, read
    in chunks (a merge may follow every statement of a much-quoted person)."""
    ids, documents = sorted(statement_ids), sorted(document_ids)
    snapshot: Snapshot = {}
    for start in range(0, max(len(ids), len(documents)), _SCOPE_CHUNK):
        scope = models.Q(pk__in=ids[start : start + _SCOPE_CHUNK]) | models.Q(
            document_id__in=documents[start : start + _SCOPE_CHUNK]
        )
        snapshot.update(_snapshot(Statement.objects.filter(scope)))
    return snapshot


def _snapshot(statements: models.QuerySet) -> Snapshot:
    """Each statement's summary-relevant columns and targets (two queries)."""
    rows = {row[0]: row for row in statements.order_by().values_list(*_ROW_FIELDS)}
    targets: dict[int, list[Subject]] = {}
    ids = list(rows)
    for start in range(0, len(ids), _SCOPE_CHUNK):
        for statement_id, person_id, organisation_id in (
            StatementTarget.objects.filter(statement_id__in=ids[start : start + _SCOPE_CHUNK])
            .order_by()
            .values_list("statement_id", "person_id", "organisation_id")
        ):
            target = (PERSON, person_id) if person_id else (ORGANISATION, organisation_id)
            targets.setdefault(statement_id, []).append(target)
    return {pk: (row, tuple(sorted(targets.get(pk, ())))) for pk, row in rows.items()}


def _contribute(tally: Tally, row: tuple, targets: tuple[Subject, ...], sign: int) -> None:
    pk, _document, status, person_id, organisation_id, event_id, date, kind_type, kind = row
    if status not in _PUBLIC:
        return
    speaker: Subject | None = None
    if person_id:
        speaker = (PERSON, person_id)
    elif organisation_id:
        speaker = (ORGANISATION, organisation_id)
    subjects = [s for s in (speaker, (EVENT, event_id) if event_id else None) if s]
    month = month_of(date)
    for subject in subjects:
        tally.counts[(*subject, month, kind_type, kind)] += sign
        if date is not None:
            tally.days[(*subject, date, kind_type)] += sign
        for target in targets:
            tally.links[(*subject, *target)] += sign
    if speaker and event_id:
        tally.links[(*speaker, EVENT, event_id)] += sign
    sort_date = date or UNDATED_SORT_DATE
    if person_id:
        tally.statements[(PERSON, person_id, SAID, sort_date, pk)] += sign
    if organisation_id:
        tally.statements[(ORGANISATION, organisation_id, SAID, sort_date, pk)] += sign
    for target in targets:
        tally.statements[(*target, ABOUT, sort_date, pk)] += sign


def _difference(before: Snapshot, after: Snapshot) -> Tally:
    tally = Tally()
    for pk in before.keys() | after.keys():
        old, new = before.get(pk), after.get(pk)
        if old == new:
            continue
        if old is not None:
            _contribute(tally, *old, -1)
        if new is not None:
            _contribute(tally, *new, 1)
    return tally.nonzero()


# --------------------------------------------------------------------- writing differences

_TABLES = (
    (SummaryCount, ("subject_kind", "subject_id", "month", "statement_type", "kind"), "counts"),
    (SummaryDay, ("subject_kind", "subject_id", "day", "statement_type"), "days"),
    (SummaryLink, ("source_kind", "source_id", "target_kind", "target_id"), "links"),
    (
        SummaryStatement,
        ("subject_kind", "subject_id", "relation", "sort_date", "statement_id"),
        "statements",
    ),
)
# Rows members' summaries leave out, by table: those whose third key column holds this value.
# The organisation page lists the events it spoke at itself (links to events), and what is
# said about its members is theirs (statements about them).
_NOT_FOR_MEMBERS = {"links": EVENT, "statements": ABOUT}


def summaries_apply(tally: Tally) -> None:
    """Add ``tally`` (rows of people, organisations and events) to the tables, and to the
    members' summaries of the organisations it concerns."""
    _write(_with_members(tally))


def _with_members(tally: Tally) -> Tally:
    """``tally`` and what it adds to members' summaries (one query for the organisations
    counting its people)."""
    person_ids = {key[1] for counter in _counters(tally) for key in counter if key[0] == PERSON}
    pairs = set()
    if person_ids:
        pairs = set(
            SummaryMember.objects.filter(person_id__in=sorted(person_ids)).values_list(
                "organisation_id", "person_id"
            )
        )
    out = Tally()
    out.add(tally)
    out.add(_members_share(tally, pairs))
    return out.nonzero()


def _members_share(
    tally: Tally, pairs: Iterable[tuple[int, int]], organisations: set[int] | None = None
) -> Tally:
    """The members' summary rows ``tally`` makes: an organisation's rows (of
    ``organisations``, default all) go to its own, a person's to those of the organisations
    counting them (``(organisation, person)`` ``pairs``), except ``_NOT_FOR_MEMBERS``."""
    counted_in: dict[int, list[int]] = {}
    for organisation_id, person_id in pairs:
        counted_in.setdefault(person_id, []).append(organisation_id)
    out = Tally()
    # ``_counters`` are in ``_TABLES``' order.
    tables = zip(_TABLES, _counters(out), _counters(tally), strict=True)
    for (_model, _columns, name), mine, theirs in tables:
        left_out = _NOT_FOR_MEMBERS.get(name)
        for key, n in theirs.items():
            if key[0] == ORGANISATION:
                owners = (key[1],) if organisations is None or key[1] in organisations else ()
            elif key[0] == PERSON:
                owners = counted_in.get(key[1], ())
            else:
                continue
            if left_out is not None and key[2] == left_out:
                continue
            for organisation_id in owners:
                mine[(MEMBERS, organisation_id, *key[2:])] += n
    return out


def _counters(tally: Tally) -> tuple[Counter, Counter, Counter, Counter]:
    """The tally's counters, in the order of ``_TABLES``."""
    return tally.counts, tally.days, tally.links, tally.statements


def _write(tally: Tally) -> None:
    """Add ``tally`` to the tables as it is: one additive upsert per table and chunk (keys
    sorted, so that concurrent writers lock rows in the same order), then drop rows that
    reached 0."""
    quote = connection.ops.quote_name
    for model, columns, name in _TABLES:
        changes = sorted(getattr(tally, name).items(), key=lambda item: _sortable(item[0]))
        if not changes:
            continue
        table = quote(model._meta.db_table)
        column_sql = ", ".join(quote(c) for c in (*columns, "n"))
        conflict = ", ".join(quote(c) for c in columns)
        row_sql = "(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"
        with connection.cursor() as cursor:
            for start in range(0, len(changes), _CHUNK):
                chunk = changes[start : start + _CHUNK]
                cursor.execute(
                    f"INSERT INTO {table} ({column_sql}) VALUES "
                    + ", ".join([row_sql] * len(chunk))
                    + f" ON CONFLICT ({conflict}) DO UPDATE SET n = {table}.n + excluded.n",
                    [value for key, n in chunk for value in (*key, n)],
                )
        emptied = [key for key, n in changes if n < 0]
        subject_ids: dict[str, set[int]] = {}
        for key in emptied:
            subject_ids.setdefault(key[0], set()).add(key[1])
        kind_field, id_field = columns[0], columns[1]
        for kind, ids in subject_ids.items():
            model.objects.filter(
                **{kind_field: kind, f"{id_field}__in": sorted(ids)}, n__lte=0
            ).delete()


def _sortable(key: tuple) -> tuple:
    return tuple(value.isoformat() if isinstance(value, dt.date) else value for value in key)


# --------------------------------------------------------------------- following a change

_state = threading.local()


class _Follower:
    """The statements a change may touch, and what they contributed before it."""

    def __init__(self) -> None:
        self.before: Snapshot = {}
        self.statement_ids: set[int] = set()
        self.document_ids: set[int] = set()

    def include(
        self, statement_ids: Iterable[int], document_ids: Iterable[int], *, created: bool
    ) -> None:
        documents = set(document_ids) - self.document_ids
        statements = set(statement_ids) - self.statement_ids
        if not created and (documents or statements):
            for pk, value in _scope_snapshot(statements, documents).items():
                # Already followed (through its document or id): its first state counts.
                if pk not in self.statement_ids and value[0][1] not in self.document_ids:
                    self.before.setdefault(pk, value)
        self.document_ids |= documents
        self.statement_ids |= statements

    def finish(self) -> None:
        after = _scope_snapshot(self.statement_ids, self.document_ids)
        summaries_apply(_difference(self.before, after))


@contextmanager
def summaries_follow(
    *,
    statement_ids: Iterable[int] = (),
    document_ids: Iterable[int] = (),
    created: bool = False,
) -> Iterator[None]:
    """Keep the summaries exact across the change made inside the block.

    ``statement_ids`` and ``document_ids`` (all of a document's statements) say what the
    block may add, change or delete; ``created`` says they did not exist before it (no
    read is needed). Blocks nest: an inner block (a review inside an admin save) adds its
    statements to the outermost one, which writes the difference once at its end, inside
    the same transaction as the change. Nothing is written when the block raises.
    """
    stack: list[_Follower] = _state.__dict__.setdefault("followers", [])
    outermost = not stack
    follower = _Follower() if outermost else stack[0]
    with transaction.atomic():
        follower.include(statement_ids, document_ids, created=created)
        if not outermost:
            yield
            return
        stack.append(follower)
        try:
            yield
        finally:
            stack.pop()
        follower.finish()


def summaries_follow_created(*, statement_ids: Iterable[int]) -> None:
    """Add statements just created inside an open ``summaries_follow`` block to it (an
    editor's new statement, whose id exists only once saved); outside any block, count
    them now."""
    stack = getattr(_state, "followers", [])
    if stack:
        stack[0].include(statement_ids, (), created=True)
        return
    with summaries_follow(statement_ids=statement_ids, created=True):
        pass


# --------------------------------------------------------------------- members' summaries


def _held_pairs(condition: models.Q | None = None) -> set[tuple[int, int]]:
    """``(organisation, person)`` of every role held in an organisation, past or present
    (or of those matching ``condition``)."""
    rows = Membership.objects.filter(organisation__isnull=False)
    if condition is not None:
        rows = rows.filter(condition)
    return set(rows.order_by().values_list("organisation_id", "person_id").distinct())


def summaries_members_sync(
    *, person_ids: Iterable[int | None] = (), organisation_ids: Iterable[int | None] = ()
) -> None:
    """After memberships of these people or organisations changed: count in the members'
    summaries exactly the people holding a role. A person who starts being counted adds
    their stored rows to the organisation's, one who stops takes them away.

    Right at any moment, inside a followed change or outside one: what a person's rows
    gain later is added for the organisations counting them at that time
    (``_with_members``), and what they held until then is what is added or taken here.
    """
    people = sorted({pk for pk in person_ids if pk is not None})
    organisations = sorted({pk for pk in organisation_ids if pk is not None})
    if not people and not organisations:
        return
    scope = models.Q(person_id__in=people) | models.Q(organisation_id__in=organisations)
    with transaction.atomic():
        held = _held_pairs(scope)
        counted = set(
            SummaryMember.objects.filter(scope).values_list("organisation_id", "person_id")
        )
        added, removed = sorted(held - counted), sorted(counted - held)
        if not added and not removed:
            return
        stored = summaries_stored(subjects=[(PERSON, pk) for _, pk in added + removed])
        tally = _members_share(stored, added)
        tally.add(_members_share(stored, removed), -1)
        SummaryMember.objects.bulk_create(
            [SummaryMember(organisation_id=o, person_id=p) for o, p in added],
            ignore_conflicts=True,
        )
        for start in range(0, len(removed), _CHUNK):
            condition = models.Q(pk__in=[])
            for organisation_id, person_id in removed[start : start + _CHUNK]:
                condition |= models.Q(organisation_id=organisation_id, person_id=person_id)
            SummaryMember.objects.filter(condition).delete()
        _write(tally.nonzero())


def summaries_membership_changed(
    sender: type, instance: Membership, raw: bool = False, **kwargs: object
) -> None:
    """Receiver of ``Membership`` saves and deletes (connected in apps.py): memberships are
    written by the admin's forms and inlines, merges, imports and cascades, and each of
    them must move the members' summaries. A person or organisation the row no longer
    names is found through the other: syncing both sides finds every pair that changed.
    A restored backup (``raw``) counts its summaries afresh at its end instead."""
    if raw:
        return
    summaries_members_sync(
        person_ids=[instance.person_id], organisation_ids=[instance.organisation_id]
    )


def summaries_members_build() -> int:
    """Count every person holding a role and write every members' summary from the stored
    rows of people and organisations, in a few grouped ``INSERT ... SELECT``: how a
    database whose other summaries are exact gets them (a migration). Returns the rows
    written."""
    quote = connection.ops.quote_name
    members = quote(SummaryMember._meta.db_table)
    memberships = quote(Membership._meta.db_table)
    written = 0
    with transaction.atomic(), connection.cursor() as cursor:
        SummaryMember.objects.all().delete()
        cursor.execute(
            f"INSERT INTO {members} (organisation_id, person_id) "
            f"SELECT DISTINCT organisation_id, person_id FROM {memberships} "
            "WHERE organisation_id IS NOT NULL"
        )
        for model, columns, name in _TABLES:
            model.objects.filter(**{columns[0]: MEMBERS}).delete()
            table = quote(model._meta.db_table)
            kind, pk = quote(columns[0]), quote(columns[1])
            rest = ", ".join(quote(c) for c in columns[2:])
            rest_of_t = ", ".join(f"t.{quote(c)}" for c in columns[2:])
            left_out, extra = "", []
            if name in _NOT_FOR_MEMBERS:
                left_out, extra = f" AND t.{quote(columns[2])} <> %s", [_NOT_FOR_MEMBERS[name]]
            cursor.execute(
                f"INSERT INTO {table} ({kind}, {pk}, {rest}, n) "
                f"SELECT %s, owner, {rest}, SUM(n) FROM ("
                f"SELECT t.{pk} AS owner, {rest_of_t}, t.n FROM {table} t "
                f"WHERE t.{kind} = %s{left_out} "
                "UNION ALL "
                f"SELECT m.organisation_id, {rest_of_t}, t.n FROM {table} t "
                f"JOIN {members} m ON m.person_id = t.{pk} WHERE t.{kind} = %s{left_out}"
                f") shares GROUP BY owner, {rest} HAVING SUM(n) <> 0",
                [MEMBERS, ORGANISATION, *extra, PERSON, *extra],
            )
            written += cursor.rowcount
    return written


# --------------------------------------------------------------------- recount, rebuild, check


def _month_expression() -> models.Expression:
    return Coalesce(
        ExtractYear("date") * 100 + ExtractMonth("date"),
        models.Value(UNDATED_MONTH),
        output_field=models.IntegerField(),
    )


def _speakers(prefix: str = "") -> tuple[tuple[str, str], ...]:
    return (
        (PERSON, f"{prefix}speaker_person_id"),
        (ORGANISATION, f"{prefix}speaker_organisation_id"),
        (EVENT, f"{prefix}event_id"),
    )


def _subject_filter(subjects: Iterable[Subject] | None, kind: str, column: str) -> models.Q:
    if subjects is None:
        return models.Q(**{f"{column}__isnull": False})
    ids = [pk for subject_kind, pk in subjects if subject_kind == kind]
    return models.Q(**{f"{column}__in": ids})


def summaries_recount(*, subjects: Iterable[Subject] | None = None) -> Tally:
    """Every summary row (or those of ``subjects``) counted afresh with grouped queries; a
    members' summary is added up from the recounted rows of the organisation and of every
    person holding a role in it."""
    if subjects is None:
        tally = _recount(None)
        tally.add(_members_share(tally, _held_pairs()))
        return tally
    wanted = set(subjects)
    organisations = {pk for kind, pk in wanted if kind == MEMBERS}
    pairs = _held_pairs(models.Q(organisation_id__in=sorted(organisations)))
    inner = {subject for subject in wanted if subject[0] != MEMBERS}
    inner |= {(ORGANISATION, pk) for pk in organisations} | {(PERSON, pk) for _, pk in pairs}
    base = _recount(sorted(inner))
    tally = Tally()
    for mine, theirs in zip(_counters(tally), _counters(base), strict=True):
        mine.update({key: n for key, n in theirs.items() if key[:2] in wanted})
    tally.add(_members_share(base, pairs, organisations))
    return tally


def _recount(subjects: list[Subject] | None) -> Tally:
    """People's, organisations' and events' rows (all, or those of ``subjects``)."""
    public = Statement.objects.public().order_by()
    count = models.Count("pk")
    tally = Tally()
    for kind, column in _speakers():
        own = public.filter(_subject_filter(subjects, kind, column))
        for subject_id, month, kind_type, kind_value, n in (
            own.annotate(m=_month_expression())
            .values_list(column, "m", "statement_type", "kind")
            .annotate(n=count)
        ):
            tally.counts[(kind, subject_id, month, kind_type, kind_value)] = n
        for subject_id, day, kind_type, n in (
            own.filter(date__isnull=False)
            .values_list(column, "date", "statement_type")
            .annotate(n=count)
        ):
            tally.days[(kind, subject_id, day, kind_type)] = n
        targets = StatementTarget.objects.filter(
            statement__in=own.values("pk"),
        ).order_by()
        for subject_id, person_id, organisation_id, n in targets.values_list(
            f"statement__{column}", "person_id", "organisation_id"
        ).annotate(n=models.Count("pk")):
            target = (PERSON, person_id) if person_id else (ORGANISATION, organisation_id)
            tally.links[(kind, subject_id, *target)] = n
        if kind != EVENT:
            for subject_id, event_id, n in (
                own.filter(event__isnull=False).values_list(column, "event_id").annotate(n=count)
            ):
                tally.links[(kind, subject_id, EVENT, event_id)] = n
    _recount_listed(tally, public, subjects)
    return tally


def _recount_listed(tally: Tally, public: models.QuerySet, subjects: list[Subject] | None) -> None:
    """The statements listed as said by people and organisations and about them (all, or
    those of ``subjects``)."""
    for kind, column in _speakers()[:2]:
        said = public.filter(_subject_filter(subjects, kind, column))
        for subject_id, date, pk in said.values_list(column, "date", "pk").iterator(5000):
            tally.statements[(kind, subject_id, SAID, date or UNDATED_SORT_DATE, pk)] += 1
    about = StatementTarget.objects.filter(statement__in=public.values("pk")).order_by()
    if subjects is not None:
        about = about.filter(
            _subject_filter(subjects, PERSON, "person_id")
            | _subject_filter(subjects, ORGANISATION, "organisation_id")
        )
    rows = about.values_list("person_id", "organisation_id", "statement__date", "statement_id")
    for person_id, organisation_id, date, pk in rows.iterator(5000):
        target = (PERSON, person_id) if person_id else (ORGANISATION, organisation_id)
        tally.statements[(*target, ABOUT, date or UNDATED_SORT_DATE, pk)] += 1


def summaries_stored(*, subjects: Iterable[Subject] | None = None) -> Tally:
    """The summary rows as stored (all, or those of ``subjects``)."""
    subjects = list(subjects) if subjects is not None else None
    tally = Tally()
    for model, columns, name in _TABLES:
        rows = model.objects.all()
        if subjects is not None:
            condition = models.Q(pk__in=[])
            for kind in {k for k, _ in subjects}:
                ids = [pk for k, pk in subjects if k == kind]
                condition |= models.Q(**{columns[0]: kind, f"{columns[1]}__in": ids})
            rows = rows.filter(condition)
        counter = getattr(tally, name)
        for *key, n in rows.values_list(*columns, "n").iterator(chunk_size=5000):
            counter[tuple(key)] = n
    return tally


@dataclass
class SummaryCheck:
    """Rows whose stored count differs from the recount: ``(table, key, stored, recounted)``."""

    differences: list[tuple[str, tuple, int, int]] = field(default_factory=list)
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.differences


def summaries_check(*, subjects: Iterable[Subject] | None = None) -> SummaryCheck:
    """Compare the stored summaries with a fresh recount."""
    subjects = list(subjects) if subjects is not None else None
    stored, recounted = summaries_stored(subjects=subjects), summaries_recount(subjects=subjects)
    check = SummaryCheck()
    for _model, _columns, name in _TABLES:
        mine, theirs = getattr(stored, name), getattr(recounted, name)
        check.rows += len(theirs)
        for key in sorted(mine.keys() | theirs.keys(), key=_sortable):
            if mine.get(key, 0) != theirs.get(key, 0):
                check.differences.append((name, key, mine.get(key, 0), theirs.get(key, 0)))
    # Whom the members' summaries count: every (organisation, person) holding a role.
    scope = _members_scope(subjects)
    held = _held_pairs(scope)
    counted = set(
        SummaryMember.objects.filter(scope or models.Q()).values_list(
            "organisation_id", "person_id"
        )
    )
    check.rows += len(held)
    for pair in sorted(held ^ counted):
        check.differences.append(("members", pair, int(pair in counted), int(pair in held)))
    return check


def _members_scope(subjects: list[Subject] | None) -> models.Q | None:
    """The ``SummaryMember`` rows of the members' summaries among ``subjects`` (None: all)."""
    if subjects is None:
        return None
    return models.Q(organisation_id__in=sorted({pk for k, pk in subjects if k == MEMBERS}))


def _with_member_subjects(subjects: list[Subject]) -> list[Subject]:
    """``subjects`` and the members' summaries their rows are part of."""
    people = sorted({pk for kind, pk in subjects if kind == PERSON})
    organisations = {pk for kind, pk in subjects if kind in (ORGANISATION, MEMBERS)}
    if people:
        organisations |= {o for o, _ in _held_pairs(models.Q(person_id__in=people))}
        organisations |= set(
            SummaryMember.objects.filter(person_id__in=people).values_list(
                "organisation_id", flat=True
            )
        )
    return sorted(set(subjects) | {(MEMBERS, pk) for pk in organisations})


def summaries_rebuild(*, subjects: Iterable[Subject] | None = None) -> int:
    """Replace the summaries (all, or those of ``subjects``) with a fresh recount; return
    the rows written. One transaction: readers see the old rows or the new ones."""
    subjects = _with_member_subjects(list(subjects)) if subjects is not None else None
    with transaction.atomic():
        tally = summaries_recount(subjects=subjects)
        written = 0
        for model, columns, name in _TABLES:
            rows = model.objects.all()
            if subjects is not None:
                for kind in {k for k, _ in subjects}:
                    ids = [pk for k, pk in subjects if k == kind]
                    model.objects.filter(**{columns[0]: kind, f"{columns[1]}__in": ids}).delete()
            else:
                rows.delete()
            objects = (
                model(**dict(zip(columns, key, strict=True)), n=n)
                for key, n in sorted(getattr(tally, name).items(), key=lambda i: _sortable(i[0]))
                if n
            )
            while batch := list(_take(objects, 5000)):
                model.objects.bulk_create(batch)
                written += len(batch)
        scope = _members_scope(subjects)
        SummaryMember.objects.filter(scope or models.Q()).delete()
        pairs = (
            SummaryMember(organisation_id=o, person_id=p) for o, p in sorted(_held_pairs(scope))
        )
        while batch := list(_take(pairs, 5000)):
            SummaryMember.objects.bulk_create(batch)
    return written


def _take(iterator: Iterator, n: int) -> Iterator:
    for _ in range(n):
        try:
            yield next(iterator)
        except StopIteration:
            return


def summaries_refresh(
    *,
    person_ids: Iterable[int] = (),
    organisation_ids: Iterable[int] = (),
    event_ids: Iterable[int] = (),
) -> int:
    """Recount the summaries of these people, organisations and events from scratch (a
    repair for rows changed outside the services, e.g. by hand in the database)."""
    subjects = [
        *((PERSON, pk) for pk in person_ids),
        *((ORGANISATION, pk) for pk in organisation_ids),
        *((EVENT, pk) for pk in event_ids),
    ]
    return summaries_rebuild(subjects=subjects) if subjects else 0
