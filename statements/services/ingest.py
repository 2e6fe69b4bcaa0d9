"""Ingestion: source documents -> extraction engine -> rows, idempotently and fast.

The shape follows openstates-core's importer: hash each input, decide insert / no-op /
re-extract per document, write each document in its own transaction, return counts.

- The key is the SHA-256 of the normalised text (NFC, ``\\n`` newlines, stripped). The
  normalised text is what is stored and what the engine reads, so every offset points
  into ``Document.text``.
- Unchanged documents are skipped before parsing; the rest stream through
  ``extract_many`` (``nlp.pipe`` in ``workers`` processes) in one pass.
- ``force`` re-extracts a stored document: the machine's statements (review status
  ``auto``) and the mentions are replaced; every statement a human reviewed is kept
  exactly as the human left it, and a new machine statement overlapping it is skipped.
- Concurrency: Document.sha256 and the live actor name keys are unique in the database;
  a conflicting insert is caught inside a savepoint and the winner's row is used. A
  document another process stored meanwhile counts as unchanged.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import itertools
import time
import unicodedata
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, OperationalError, transaction

from statements.models import (
    HUMAN_REVIEW_STATUSES,
    CueClass,
    Document,
    Event,
    EventClassification,
    EventParticipant,
    Membership,
    Mention,
    Organisation,
    Person,
    ReviewStatus,
    Statement,
    StatementKind,
    StatementTarget,
    StatementType,
)
from statements.naming import fold_text, name_key
from statements.nlp.records import DocumentMetadata, Extraction, StatementRecord
from statements.readers import ReadError, SourceDocument, published_parse
from statements.services.entities import (
    ActorSpec,
    MembershipSpec,
    ResolutionCache,
    actors_resolve,
    memberships_ensure,
    organisation_resolve_or_create,
)

_WRITE_ATTEMPTS = 3
_STATEMENT_TYPES = set(StatementType.values)
_KINDS = set(StatementKind.values)
_CUE_CLASSES = set(CueClass.values)
_EVENT_CLASSES = set(EventClassification.values)


@dataclass
class IngestReport:
    """What one ingest run did; the command prints it, tests assert on it."""

    created: int = 0
    unchanged: int = 0
    re_extracted: int = 0
    failed: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    people_created: int = 0
    organisations_created: int = 0
    events_created: int = 0
    statements_created: int = 0
    mentions_created: int = 0
    elapsed: float = 0.0
    words: int = 0
    dry_run: bool = False
    document_ids: list[int] = field(default_factory=list)

    @property
    def documents(self) -> int:
        return self.created + self.unchanged + self.re_extracted + self.failed

    @property
    def words_per_second(self) -> float:
        return self.words / self.elapsed if self.elapsed > 0 else 0.0

    def fail(self, path: str, reason: str) -> None:
        self.failed += 1
        self.failures.append((path, reason))


@dataclass
class _Counts:
    """Rows created for one document; added to the report only once its transaction commits."""

    people: int = 0
    organisations: int = 0
    events: int = 0
    statements: int = 0
    mentions: int = 0


@dataclass(frozen=True)
class _Pending:
    source: SourceDocument
    text: str
    sha256: str
    metadata: DocumentMetadata
    existing_id: int | None


def text_normalise(text: str) -> str:
    """The form of a text that is hashed, parsed and stored: NFC, ``\\n`` newlines, stripped."""
    text = unicodedata.normalize("NFC", text)
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def text_sha256(text: str) -> str:
    """The idempotency key of an article text (normalised first)."""
    return hashlib.sha256(text_normalise(text).encode("utf-8")).hexdigest()


def content_cluster_key(content: str) -> str:
    """Groups the same quotation across articles: SHA-1 of its folded, punctuation-free form."""
    folded = " ".join("".join(c if c.isalnum() else " " for c in fold_text(content)).split())
    return hashlib.sha1(folded.encode("utf-8")).hexdigest()


def documents_ingest(
    sources: Iterable[SourceDocument | ReadError],
    *,
    force: bool = False,
    dry_run: bool = False,
    workers: int = 1,
    batch_size: int | None = None,
    model_name: str | None = None,
    progress: Callable[[IngestReport], Any] | None = None,
    publisher: str | None = None,
    published: str | None = None,
    nlp: Any = None,
) -> IngestReport:
    """Store every source document with what the engine finds in it; never stop on one failure.

    ``publisher`` and ``published`` fill in documents whose own metadata lacks them.
    ``dry_run`` does all the work inside a transaction that is rolled back, so the report
    says what would be created. ``ReadError`` items count as failed.
    """
    from statements.nlp import extract_many, load_pipeline

    if published:
        published = published_parse(published, where="--published")
    report = IngestReport(dry_run=dry_run)
    started = time.perf_counter()
    batch_size = batch_size or settings.KB_INGEST_BATCH_SIZE
    cache = ResolutionCache()
    queue = _Todo(sources, report, force=force, defaults=(publisher or "", published or ""))
    queue.progress = progress

    def run() -> None:
        nonlocal nlp
        while True:
            first = next(queue, None)
            if first is None:
                return  # nothing (left) to parse: the model is not even loaded
            nlp = nlp or load_pipeline(model_name or settings.KB_SPACY_MODEL)
            items = ((p.text, p.metadata) for p in itertools.chain([first], queue))
            try:
                for extraction in extract_many(
                    items, nlp=nlp, batch_size=batch_size, n_process=max(1, workers)
                ):
                    pending = queue.pending.popleft()
                    _document_store(pending, extraction, force=force, cache=cache, report=report)
                    report.elapsed = time.perf_counter() - started
                    if progress:
                        progress(report)
                return
            except (DatabaseError, ReadError):
                raise
            except Exception as error:  # the engine failed on a batch: find the culprit
                _extract_one_by_one(queue, nlp, error, force=force, cache=cache, report=report)

    if dry_run:
        with transaction.atomic():
            run()
            transaction.set_rollback(True)
    else:
        run()
    report.elapsed = time.perf_counter() - started
    return report


def extraction_ingest(
    source: SourceDocument, extraction: Extraction, *, force: bool = False
) -> IngestReport:
    """Store an extraction made elsewhere (the engine run by the caller, or built by hand).

    ``extraction.text`` must be the normalised text of ``source`` so that offsets match.
    """
    report = IngestReport()
    started = time.perf_counter()
    text = text_normalise(source.text)
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    existing = Document.objects.filter(sha256=sha).values_list("id", flat=True).first()
    if existing is not None and not force:
        report.unchanged += 1
        report.document_ids.append(existing)
    else:
        pending = _Pending(source, text, sha, source.metadata, existing)
        _document_store(pending, extraction, force=force, cache=ResolutionCache(), report=report)
    report.elapsed = time.perf_counter() - started
    return report


class _Todo:
    """The documents that need the engine, in order; records the others in the report.

    An iterator object rather than a generator, so that it survives the engine's generator
    being abandoned after an error and the run can resume with the next document.
    """

    def __init__(
        self,
        sources: Iterable[SourceDocument | ReadError],
        report: IngestReport,
        *,
        force: bool,
        defaults: tuple[str, str],
    ) -> None:
        self.sources = iter(sources)
        self.report = report
        self.force = force
        self.defaults = defaults
        self.pending: deque[_Pending] = deque()
        self.seen: set[str] = set()
        self.progress: Callable[[IngestReport], Any] | None = None

    def __iter__(self) -> Iterator[_Pending]:
        return self

    def __next__(self) -> _Pending:
        for item in self.sources:
            if isinstance(item, ReadError):
                self.report.fail(item.path, item.reason)
                self._progress()
                continue
            text = text_normalise(item.text)
            if not text:
                self.report.fail(item.path, "empty: no article text")
                self._progress()
                continue
            sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
            existing = Document.objects.filter(sha256=sha).values_list("id", flat=True).first()
            if sha in self.seen or (existing is not None and not self.force):
                self.report.unchanged += 1
                if existing is not None:
                    self.report.document_ids.append(existing)
                self._progress()
                continue
            self.seen.add(sha)
            metadata = item.metadata
            publisher, published = self.defaults
            if publisher and not metadata.publisher:
                metadata = dataclasses.replace(metadata, publisher=publisher)
            if published and not metadata.published:
                metadata = dataclasses.replace(metadata, published=published)
            pending = _Pending(item, text, sha, metadata, existing)
            self.pending.append(pending)
            return pending
        raise StopIteration

    def _progress(self) -> None:
        if self.progress:
            self.progress(self.report)


def _extract_one_by_one(
    queue: _Todo,
    nlp: Any,
    error: Exception,
    *,
    force: bool,
    cache: ResolutionCache,
    report: IngestReport,
) -> None:
    """After the engine failed on a batch, retry its documents alone to fail only the culprit."""
    from statements.nlp import extract

    while queue.pending:
        pending = queue.pending.popleft()
        try:
            extraction = extract(pending.text, pending.metadata, nlp=nlp)
        except Exception as single_error:  # one document, reported by name
            report.fail(pending.source.path, f"extraction failed: {single_error!r}")
            continue
        _document_store(pending, extraction, force=force, cache=cache, report=report)


def _document_store(
    pending: _Pending,
    extraction: Extraction,
    *,
    force: bool,
    cache: ResolutionCache,
    report: IngestReport,
) -> None:
    """Write one document in its own transaction; retry on deadlock, report any failure."""
    last_error: Exception | None = None
    for _attempt in range(_WRITE_ATTEMPTS):
        counts = _Counts()
        try:
            with transaction.atomic():
                outcome, document_id = _document_write(pending, extraction, force, cache, counts)
        except OperationalError as error:  # deadlock or lock timeout: the others won, retry
            cache.clear()
            last_error = error
            continue
        except (DatabaseError, ValueError, TypeError, KeyError) as error:
            cache.clear()
            report.fail(pending.source.path, f"could not store: {error}")
            return
        if outcome == "created":
            report.created += 1
        elif outcome == "re_extracted":
            report.re_extracted += 1
        else:
            report.unchanged += 1
        if document_id is not None:
            report.document_ids.append(document_id)
        if outcome != "unchanged":
            report.words += extraction.word_count or len(pending.text.split())
        report.people_created += counts.people
        report.organisations_created += counts.organisations
        report.events_created += counts.events
        report.statements_created += counts.statements
        report.mentions_created += counts.mentions
        return
    report.fail(pending.source.path, f"could not store: {last_error}")


def _document_write(
    pending: _Pending,
    extraction: Extraction,
    force: bool,
    cache: ResolutionCache,
    counts: _Counts,
) -> tuple[str, int | None]:
    """The body of one document's transaction: the document row first, then what it holds."""
    if extraction.text != pending.text:
        raise ValueError("the engine returned a different text; offsets would not match")
    metadata = pending.metadata
    fields = {
        "title": metadata.title[:500],
        "url": metadata.url[:2000],
        "publisher": metadata.publisher[:200],
        "published_at": dt.date.fromisoformat(metadata.published) if metadata.published else None,
        "language": (metadata.language or "en")[:16],
        "source_path": pending.source.path[:1000],
        "metadata": _json_safe(pending.source.raw_metadata),
        "word_count": extraction.word_count or len(pending.text.split()),
        "extractor_version": extraction.extractor_version[:50],
    }
    document = None
    if pending.existing_id is not None:
        document = Document.objects.select_for_update().filter(pk=pending.existing_id).first()
    if document is None:
        try:
            with transaction.atomic():
                document = Document.objects.create(
                    text=pending.text, sha256=pending.sha256, **fields
                )
        except IntegrityError:
            if Document.objects.filter(sha256=pending.sha256).exists():
                # Another process stored the same text meanwhile: nothing to do here.
                return "unchanged", Document.objects.get(sha256=pending.sha256).pk
            raise
        outcome = "created"
    else:
        for name, value in fields.items():
            if value or name in ("word_count", "extractor_version"):
                setattr(document, name, value)
        document.save()
        Statement.objects.filter(document=document, review_status=ReviewStatus.AUTO).delete()
        Mention.objects.filter(document=document).delete()
        outcome = "re_extracted"
    _extraction_write(document, extraction, cache, counts)
    return outcome, document.pk


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _valid_span(start: int | None, end: int | None, length: int) -> bool:
    return start is not None and end is not None and 0 <= start <= end <= length


def _extraction_write(
    document: Document, extraction: Extraction, cache: ResolutionCache, counts: _Counts
) -> None:
    """Map the engine's records onto actors, memberships, events, mentions and statements."""
    text_length = len(document.text)
    # Sorted, so that concurrent processes insert shared names in the same order (no deadlock).
    specs = [
        ActorSpec(
            key=entity.key,
            kind="person" if entity.kind == "person" else "organisation",
            name=entity.name,
            given_name=entity.given_name,
            family_name=entity.family_name,
            honorific_prefix=entity.honorific_prefix,
            classification=entity.classification,
            country=entity.country,
            aliases=tuple(entity.aliases),
        )
        for entity in sorted(extraction.entities, key=lambda e: (e.kind, name_key(e.name)))
    ]
    resolved = actors_resolve(specs, document_id=document.pk, cache=cache)
    actors: dict[str, Person | Organisation] = resolved.actors
    counts.people += resolved.people_created
    counts.organisations += resolved.organisations_created

    membership_specs = []
    for role in extraction.roles:
        person = actors.get(role.person_key)
        if not isinstance(person, Person):
            continue
        organisation = actors.get(role.organisation_key or "")
        if organisation is None and role.organisation_name:
            organisation, created = organisation_resolve_or_create(
                name=role.organisation_name, cache=cache
            )
            counts.organisations += created
        valid = _valid_span(role.start, role.end, text_length) and role.end > role.start
        membership_specs.append(
            MembershipSpec(
                person=person,
                organisation=organisation if isinstance(organisation, Organisation) else None,
                role=role.role,
                status=role.status,
                start_date=role.start_date,
                end_date=role.end_date,
                start=role.start if valid else None,
                end=role.end if valid else None,
                source_text=role.text,
            )
        )
    memberships = memberships_ensure(
        membership_specs,
        people=[a for a in actors.values() if isinstance(a, Person)],
        document_id=document.pk,
    )

    events = _events_write(document, extraction, actors, counts)
    _mentions_write(document, extraction, actors, counts)
    _statements_write(document, extraction, actors, memberships, events, counts)


def _events_write(
    document: Document,
    extraction: Extraction,
    actors: dict[str, Person | Organisation],
    counts: _Counts,
) -> dict[str, Event]:
    """Events get-or-created on (document, name, start): re-extraction reuses them."""
    events: dict[str, Event] = {}
    for record in extraction.events:
        name = " ".join(record.name.split())[:300]
        if not name:
            continue
        valid = _valid_span(record.start, record.end, len(document.text))
        start = record.start if valid else None
        try:
            date = dt.date.fromisoformat(record.date) if record.date else None
        except ValueError:
            date = None
        values = {
            "classification": record.classification
            if record.classification in _EVENT_CLASSES
            else EventClassification.OTHER,
            "date": date,
            "date_text": record.date_text[:100],
            "location": record.location[:300],
            "end": record.end if valid else None,
        }
        event = Event.objects.filter(document=document, name=name, start=start).first()
        if event is None:
            event = Event.objects.create(document=document, name=name, start=start, **values)
            counts.events += 1
        elif any(getattr(event, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(event, k, v)
            event.save()
        events[record.key] = event
        participants = []
        for key in record.participant_keys:
            actor = actors.get(key)
            if isinstance(actor, Person):
                participants.append(EventParticipant(event=event, person=actor))
            elif isinstance(actor, Organisation):
                participants.append(EventParticipant(event=event, organisation=actor))
        EventParticipant.objects.bulk_create(participants, ignore_conflicts=True)
    # Events of an earlier extraction that nothing refers to any more.
    kept = [event.pk for event in events.values()]
    Event.objects.filter(document=document, statements__isnull=True).exclude(pk__in=kept).delete()
    return events


def _mentions_write(
    document: Document,
    extraction: Extraction,
    actors: dict[str, Person | Organisation],
    counts: _Counts,
) -> None:
    rows, spans = [], set()
    for record in extraction.mentions:
        span = (record.start, record.end)
        if span in spans or not _valid_span(record.start, record.end, len(document.text)):
            continue
        spans.add(span)
        actor = actors.get(record.entity_key or "")
        rows.append(
            Mention(
                document=document,
                start=record.start,
                end=record.end,
                text=document.text[record.start : record.end][:500],
                label=record.label[:20],
                person=actor if isinstance(actor, Person) else None,
                organisation=actor if isinstance(actor, Organisation) else None,
            )
        )
    Mention.objects.bulk_create(rows, batch_size=500)
    counts.mentions += len(rows)


def _overlaps(span: tuple[int, int], others: list[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in others)


def _statements_write(
    document: Document,
    extraction: Extraction,
    actors: dict[str, Person | Organisation],
    memberships: dict[tuple[int, str], Membership],
    events: dict[str, Event],
    counts: _Counts,
) -> None:
    """Bulk-create the machine's statements, leaving every human-reviewed one untouched."""
    stored_classes = set(settings.KB_STORED_CUE_CLASSES)
    kept = list(
        Statement.objects.filter(document=document, review_status__in=HUMAN_REVIEW_STATUSES)
        .values_list("content_start", "content_end")
        .order_by()
    )
    taken: set[tuple[int, int]] = set(kept)
    rows: list[Statement] = []
    targets: list[list[Person | Organisation]] = []
    length = len(document.text)
    for record in extraction.statements:
        span = (record.content_start, record.content_end)
        if record.cue_class not in stored_classes or span in taken:
            continue
        if not _valid_span(*span, length) or _overlaps(span, kept):
            continue
        taken.add(span)
        rows.append(_statement_build(document, record, actors, memberships, events))
        targets.append(
            list(
                {
                    (type(a).__name__, a.pk): a
                    for a in (actors.get(key) for key in record.target_keys)
                    if a is not None
                }.values()
            )
        )
    created = Statement.objects.bulk_create(rows, batch_size=500)
    counts.statements += len(created)
    target_rows = []
    for statement, actors_of in zip(created, targets, strict=True):
        for actor in actors_of:
            if isinstance(actor, Person):
                target_rows.append(StatementTarget(statement=statement, person=actor))
            else:
                target_rows.append(StatementTarget(statement=statement, organisation=actor))
    StatementTarget.objects.bulk_create(target_rows, batch_size=500)


def _statement_build(
    document: Document,
    record: StatementRecord,
    actors: dict[str, Person | Organisation],
    memberships: dict[tuple[int, str], Membership],
    events: dict[str, Event],
) -> Statement:
    length = len(document.text)
    speaker = actors.get(record.speaker_key or "")
    person = speaker if isinstance(speaker, Person) else None
    organisation = speaker if isinstance(speaker, Organisation) else None
    membership = None
    if person is not None and record.speaker_role:
        membership = memberships.get((person.pk, name_key(record.speaker_role)))
    event = events.get(record.event_key or "")
    speaker_ok = _valid_span(record.speaker_start, record.speaker_end, length)
    cue_ok = _valid_span(record.cue_start, record.cue_end, length)
    return Statement(
        document=document,
        speaker_person=person,
        speaker_organisation=organisation,
        speaker_text=record.speaker_text[:500],
        speaker_start=record.speaker_start if speaker_ok else None,
        speaker_end=record.speaker_end if speaker_ok else None,
        speaker_role=record.speaker_role[:300],
        membership=membership,
        cue=record.cue[:200],
        cue_start=record.cue_start if cue_ok else None,
        cue_end=record.cue_end if cue_ok else None,
        cue_class=record.cue_class if record.cue_class in _CUE_CLASSES else CueClass.SPEECH,
        content=record.content,
        content_start=record.content_start,
        content_end=record.content_end,
        content_spans=[
            [start, end] for start, end in record.content_spans if _valid_span(start, end, length)
        ],
        kind=record.kind if record.kind in _KINDS else StatementKind.INDIRECT,
        statement_type=record.statement_type
        if record.statement_type in _STATEMENT_TYPES
        else StatementType.STATEMENT,
        cameo_code=record.cameo[:10],
        plover_code=record.plover[:40],
        event=event,
        date=(event.date if event is not None and event.date else None) or document.published_at,
        extractor_version=document.extractor_version,
        confidence=float(record.confidence),
        original_extraction=_json_safe(dataclasses.asdict(record)),
        cluster_key=content_cluster_key(record.content),
        review_status=ReviewStatus.AUTO,
    )
