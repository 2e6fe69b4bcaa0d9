"""Ingestion: source documents -> extraction engine -> rows, idempotently and fast.

The shape follows openstates-core's importer: hash each input, decide insert / no-op /
re-extract per document, write each document in its own transaction, return counts. It is
three steps, so that the same write logic serves every way of running it:

- **plan** (``document_plan``): read, normalise, hash, decide whether the engine must read
  the document at all. Nothing is written. The result, a ``PlannedDocument``, is plain JSON
  (``to_json``) so a task queue can carry it.
- **store** (``document_store``): write one document's extraction in its own transaction
  and return an ``InputResult`` whose ``outcome`` is an ``IngestOutcome``.
- **drivers** combine them: ``documents_ingest`` (the local run: a lazy stream of inputs
  through ``extract_many``, whose forked workers build the records), and the task-queue
  driver (``services/ingest_queue.py``: a few planned documents per job, carried as JSON,
  parsed together by ``planned_extractions`` where the job runs).

Rules shared by every driver:

- The key is the SHA-256 of the normalised text (NFC, ``\\n`` newlines, stripped). The
  normalised text is what is stored and what the engine reads, so every offset points
  into ``Document.text``.
- Every input ends as created, unchanged, re-extracted or failed with a one-line reason;
  ``documents_ingest`` checks that the outcomes add up to the inputs read and raises
  ``IngestAccountingError`` otherwise.
- ``force`` re-extracts a stored document (found by its text or, for an edited file, by
  its path): a machine statement (review status ``auto``) read again, with the same span
  or else the same speaker and content, keeps its id; one no longer found is deleted and
  its id answers 410 (``RemovedStatement``); mentions are replaced. Every statement a
  human reviewed is kept as the human left it (only its offsets follow an edited text),
  and suppresses a new machine statement with its very span, never a different one that
  overlaps it.
- Concurrency: Document.sha256 and the live actor name keys are unique in the database;
  a conflicting insert is caught inside a savepoint and the winner's row is used. A
  document another process stored meanwhile counts as unchanged.
- Lengths come from the models' fields (``clip``), never from copied numbers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import hashlib
import itertools
import multiprocessing
import time
import unicodedata
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, OperationalError, models, transaction
from django.utils import timezone

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
    RemovedStatement,
    ReviewStatus,
    Statement,
    StatementKind,
    StatementTarget,
    StatementType,
)
from statements.naming import fold_text, name_key
from statements.nlp.records import DocumentMetadata, EventRecord, Extraction, StatementRecord
from statements.readers import ReadError, SourceDocument, one_line, published_parse
from statements.services.entities import (
    ResolutionCache,
    actors_resolve,
    memberships_ensure,
    role_organisations,
)
from statements.services.quotes import quotes_refresh, statements_quote
from statements.services.summaries import summaries_follow

_WRITE_ATTEMPTS = 3
_STATEMENT_TYPES = set(StatementType.values)
_KINDS = set(StatementKind.values)
_CUE_CLASSES = set(CueClass.values)
_EVENT_CLASSES = set(EventClassification.values)


class IngestOutcome(enum.StrEnum):
    """How one input ended."""

    CREATED = "created"
    UNCHANGED = "unchanged"
    RE_EXTRACTED = "re_extracted"
    FAILED = "failed"


@dataclass
class RowCounts:
    """Rows created for one document; added to the report only once its transaction commits."""

    people: int = 0
    organisations: int = 0
    events: int = 0
    statements: int = 0
    mentions: int = 0
    statements_kept: int = 0  # machine statements re-read with their id kept
    statements_removed: int = 0  # machine statements the new reading no longer finds


@dataclass(frozen=True, slots=True)
class InputResult:
    """What became of one input: the store step's (or the plan's) typed answer."""

    path: str
    outcome: IngestOutcome
    document_id: int | None = None
    reason: str = ""
    words: int = 0
    counts: RowCounts = field(default_factory=RowCounts)

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> InputResult:
        values = dict(data)
        values["outcome"] = IngestOutcome(values["outcome"])
        values["counts"] = RowCounts(**values.get("counts", {}))
        return cls(**values)


@dataclass(frozen=True, slots=True)
class PlannedDocument:
    """One input the engine must read, with everything the store step needs besides the
    extraction. Plain JSON values only, so that a task queue can carry it."""

    path: str
    text: str  # normalised: what is hashed, parsed and stored
    sha256: str
    metadata: DocumentMetadata
    raw_metadata: dict[str, Any]
    existing_id: int | None  # the stored document to re-extract (``force``), if any

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PlannedDocument:
        values = dict(data)
        values["metadata"] = DocumentMetadata(**values["metadata"])
        return cls(**values)


@dataclass(frozen=True, slots=True)
class MetadataDefaults:
    """Metadata for inputs that lack it (the command's ``--publisher`` and ``--published``)."""

    publisher: str = ""
    published: str = ""  # ISO date


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
    statements_kept: int = 0
    statements_removed: int = 0
    mentions_created: int = 0
    relinked: int = 0
    elapsed: float = 0.0
    words: int = 0
    dry_run: bool = False
    document_ids: list[int] = field(default_factory=list)
    inputs: int = 0  # inputs read (documents and read errors); every one needs an outcome

    @property
    def documents(self) -> int:
        return self.created + self.unchanged + self.re_extracted + self.failed

    @property
    def words_per_second(self) -> float:
        return self.words / self.elapsed if self.elapsed > 0 else 0.0

    def fail(self, path: str, reason: str) -> None:
        self.failed += 1
        self.failures.append((path, reason))

    def record(self, result: InputResult) -> None:
        """Add one input's outcome (and, once stored, its rows) to the totals."""
        if result.outcome is IngestOutcome.FAILED:
            self.fail(result.path, result.reason)
            return
        if result.outcome is IngestOutcome.CREATED:
            self.created += 1
        elif result.outcome is IngestOutcome.RE_EXTRACTED:
            self.re_extracted += 1
        else:
            self.unchanged += 1
        if result.document_id is not None:
            self.document_ids.append(result.document_id)
        self.words += result.words
        self.people_created += result.counts.people
        self.organisations_created += result.counts.organisations
        self.events_created += result.counts.events
        self.statements_created += result.counts.statements
        self.statements_kept += result.counts.statements_kept
        self.statements_removed += result.counts.statements_removed
        self.mentions_created += result.counts.mentions


class IngestAccountingError(RuntimeError):
    """A run whose outcomes do not add up to its inputs: something was silently lost."""

    def __init__(self, report: IngestReport) -> None:
        super().__init__(
            f"{report.inputs} input(s) read but only {report.documents} accounted for "
            "(created, unchanged, re-extracted or failed); the run is incomplete"
        )
        self.report = report


@functools.cache
def max_length(model: type[models.Model], field_name: str) -> int:
    """The ``max_length`` of a model's character field: the one place lengths come from."""
    return model._meta.get_field(field_name).max_length


def clip(model: type[models.Model], field_name: str, value: str) -> str:
    """``value`` cut to what ``model.field_name`` holds."""
    return value[: max_length(model, field_name)]


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


# ------------------------------------------------------------------------------ plan


def document_id_by_sha256(sha256: str) -> int | None:
    """The stored document with this text, if any: the one read the plan step makes."""
    return Document.objects.filter(sha256=sha256).values_list("id", flat=True).first()


def document_id_by_source_path(path: str) -> int | None:
    """The one stored document read from ``path``, if exactly one was: under ``force``, an
    edited file re-extracts the document it was, keeping its statements' ids."""
    if not path or path.startswith("<"):
        return None  # stdin and test inputs have no identity of their own
    ids = list(
        Document.objects.filter(source_path=clip(Document, "source_path", path)).values_list(
            "id", flat=True
        )[:2]
    )
    return ids[0] if len(ids) == 1 else None


def document_plan(
    item: SourceDocument | ReadError,
    *,
    force: bool = False,
    defaults: MetadataDefaults = MetadataDefaults(),
    stored_id: Callable[[str], int | None] = document_id_by_sha256,
    stored_path_id: Callable[[str], int | None] = document_id_by_source_path,
) -> PlannedDocument | InputResult:
    """Decide what one input needs: the engine (a ``PlannedDocument``) or nothing more (an
    ``InputResult``: failed to read, empty, or already stored and not ``force``d).

    Under ``force``, a text no document has yet whose file was ingested before (same path)
    replaces that document's text, so its unchanged statements keep their ids; without
    ``force`` an edited file is a new document.

    Writes nothing; ``stored_id`` and ``stored_path_id`` are its only look-ups, so a caller
    can batch or fake them.
    """
    if isinstance(item, ReadError):
        return InputResult(item.path, IngestOutcome.FAILED, reason=item.reason)
    try:
        text = text_normalise(item.text)
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    except (TypeError, UnicodeError) as error:
        return InputResult(item.path, IngestOutcome.FAILED, reason=f"invalid text: {error}")
    if not text:
        return InputResult(item.path, IngestOutcome.FAILED, reason="empty: no article text")
    existing = stored_id(sha)
    if existing is not None and not force:
        return InputResult(item.path, IngestOutcome.UNCHANGED, document_id=existing)
    if existing is None and force:
        existing = stored_path_id(item.path)
    metadata = item.metadata
    if defaults.publisher and not metadata.publisher:
        metadata = dataclasses.replace(metadata, publisher=defaults.publisher)
    if defaults.published and not metadata.published:
        metadata = dataclasses.replace(metadata, published=defaults.published)
    raw = _json_safe(item.raw_metadata)
    return PlannedDocument(item.path, text, sha, metadata, raw, existing)


# ----------------------------------------------------------------------------- store


def document_store(
    planned: PlannedDocument,
    extraction: Extraction,
    *,
    force: bool = False,
    cache: ResolutionCache | None = None,
    record: Callable[[InputResult], None] | None = None,
) -> InputResult:
    """Write one document in its own transaction; retry on deadlock, report any failure.

    ``record`` is called inside that transaction with the result, so that a driver's own
    bookkeeping (a queued run's item) commits with the document or not at all; whatever it
    raises, besides the database errors handled here, rolls the document back and reaches
    the caller.
    """
    cache = cache if cache is not None else ResolutionCache()
    last_error: Exception | None = None
    for _attempt in range(_WRITE_ATTEMPTS):
        counts = RowCounts()
        try:
            with transaction.atomic():
                outcome, document_id = _document_write(planned, extraction, force, cache, counts)
                words = 0
                if outcome is not IngestOutcome.UNCHANGED:
                    words = extraction.word_count or len(planned.text.split())
                result = InputResult(planned.path, outcome, document_id, words=words, counts=counts)
                if record is not None:
                    record(result)
        except OperationalError as error:  # deadlock or lock timeout: the others won, retry
            cache.clear()
            last_error = error
            continue
        except (DatabaseError, ValueError, TypeError, KeyError, UnicodeError) as error:
            cache.clear()
            return _store_failed(planned, error)
        return result
    return _store_failed(planned, last_error)


def _store_failed(planned: PlannedDocument, error: Exception | None) -> InputResult:
    reason = f"could not store: {one_line(error) if error else 'unknown error'}"
    return InputResult(planned.path, IngestOutcome.FAILED, reason=reason)


# ---------------------------------------------------------------------------- drivers


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

    The local driver: inputs are planned lazily as the engine asks for texts; ``workers``
    forked processes parse and build the records (one process inside a daemonic worker,
    which cannot fork a pool). ``publisher`` and ``published`` fill in documents whose own
    metadata lacks them. ``dry_run`` does all the work inside a transaction that is rolled
    back, so the report says what would be created. ``ReadError`` items count as failed.
    Raises ``IngestAccountingError`` if an input ends without an outcome.
    """
    if published:
        published = published_parse(published, where="--published")
    report = IngestReport(dry_run=dry_run)
    started = time.perf_counter()
    if multiprocessing.current_process().daemon:
        workers = 1
    queue = _PlanQueue(
        sources,
        report,
        force=force,
        defaults=MetadataDefaults(publisher or "", published or ""),
        progress=progress,
    )
    run = functools.partial(
        _queue_ingest,
        queue,
        force=force,
        workers=max(1, workers),
        batch_size=batch_size or settings.KB_INGEST_BATCH_SIZE,
        model_name=model_name or settings.KB_SPACY_MODEL,
        nlp=nlp,
        started=started,
    )
    if dry_run:
        with transaction.atomic():
            run()
            transaction.set_rollback(True)
    else:
        run()
    report.elapsed = time.perf_counter() - started
    if report.inputs != report.documents:
        raise IngestAccountingError(report)
    return report


def _queue_ingest(
    queue: _PlanQueue,
    *,
    force: bool,
    workers: int,
    batch_size: int,
    model_name: str,
    nlp: Any,
    started: float,
) -> None:
    """Extract and store every planned document; after an engine failure, go on alone."""
    from statements.nlp import extract_many, load_pipeline

    report, cache = queue.report, ResolutionCache()
    while True:
        first = next(queue, None)
        if first is None:
            return  # nothing (left) to parse: the model is not even loaded
        nlp = nlp or load_pipeline(model_name)
        items = ((p.text, p.metadata) for p in itertools.chain([first], queue))
        try:
            for extraction in extract_many(
                items, nlp=nlp, batch_size=batch_size, n_process=workers
            ):
                planned = queue.pending.popleft()
                report.record(document_store(planned, extraction, force=force, cache=cache))
                report.elapsed = time.perf_counter() - started
                queue.progress_tell()
            return
        except DatabaseError:
            raise
        except Exception as error:  # the engine failed on a batch: find the culprit
            _extract_one_by_one(queue, nlp, error, force=force, cache=cache)


def planned_extractions(
    documents: Sequence[PlannedDocument],
    *,
    nlp: Any,
    batch_size: int,
    interrupts: tuple[type[BaseException], ...] = (),
) -> Iterator[Extraction | str]:
    """Each planned document's extraction, in order, parsed together through ``nlp.pipe``;
    for a document the engine fails on, its one-line failure reason instead.

    The extraction step of a task-queue job that carries a few documents: parsing them as
    one batch is what makes the queue as fast as a local run. After a failure the batch's
    remaining documents are parsed one by one, so that only the culprit fails.
    ``interrupts`` are exceptions that are not the engine failing (a task's time limit,
    say): they reach the caller.
    """
    from statements.nlp import extract_many

    done = 0
    try:
        items = ((document.text, document.metadata) for document in documents)
        for extraction in extract_many(items, nlp=nlp, batch_size=batch_size):
            done += 1
            yield extraction
        return
    except interrupts:
        raise
    except Exception:  # the engine failed on one of the batch: retried alone below
        pass
    for document in documents[done:]:
        yield _extract_alone(document, nlp, interrupts=interrupts)


def _extract_alone(
    document: PlannedDocument, nlp: Any, *, interrupts: tuple[type[BaseException], ...] = ()
) -> Extraction | str:
    """One document through the engine on its own; its one-line failure reason if it fails."""
    from statements.nlp import extract

    try:
        return extract(document.text, document.metadata, nlp=nlp)
    except interrupts:
        raise
    except Exception as error:  # one document, reported by name
        return f"extraction failed: {one_line(error)}"


def extraction_ingest(
    source: SourceDocument, extraction: Extraction, *, force: bool = False
) -> IngestReport:
    """Store an extraction made elsewhere (the engine run by the caller, or built by hand).

    ``extraction.text`` must be the normalised text of ``source`` so that offsets match.
    """
    report = IngestReport(inputs=1)
    started = time.perf_counter()
    planned = document_plan(source, force=force)
    if isinstance(planned, InputResult):
        report.record(planned)
    else:
        report.record(document_store(planned, extraction, force=force))
    report.elapsed = time.perf_counter() - started
    return report


class _PlanQueue:
    """The documents that need the engine, in order; records the others in the report.

    An iterator object rather than a generator, so that it survives the engine's generator
    being abandoned after an error and the run can resume with the next document. Planned
    documents wait in ``pending`` until their extraction comes back.
    """

    def __init__(
        self,
        sources: Iterable[SourceDocument | ReadError],
        report: IngestReport,
        *,
        force: bool,
        defaults: MetadataDefaults,
        progress: Callable[[IngestReport], Any] | None,
    ) -> None:
        self.sources = iter(sources)
        self.report = report
        self.force = force
        self.defaults = defaults
        self.progress = progress
        self.pending: deque[PlannedDocument] = deque()
        self.seen: set[str] = set()

    def __iter__(self) -> Iterator[PlannedDocument]:
        return self

    def __next__(self) -> PlannedDocument:
        while (item := self._next_input()) is not None:
            self.report.inputs += 1
            planned = document_plan(item, force=self.force, defaults=self.defaults)
            if isinstance(planned, PlannedDocument) and planned.sha256 in self.seen:
                # The same text twice in one run: the first copy is the stored one.
                planned = InputResult(planned.path, IngestOutcome.UNCHANGED)
            if isinstance(planned, InputResult):
                self.report.record(planned)
                self.progress_tell()
                continue
            self.seen.add(planned.sha256)
            self.pending.append(planned)
            return planned
        raise StopIteration

    def _next_input(self) -> SourceDocument | ReadError | None:
        """The next input; a reader that breaks down is one failed input, and the end."""
        try:
            return next(self.sources)
        except StopIteration:
            return None
        except Exception as error:  # readers yield their errors; this is the safety net
            self.sources = iter(())
            reason = f"reading stopped: {type(error).__name__}: {one_line(error)}"
            return ReadError("<inputs>", reason)

    def progress_tell(self) -> None:
        if self.progress:
            self.progress(self.report)


def _extract_one_by_one(
    queue: _PlanQueue, nlp: Any, error: Exception, *, force: bool, cache: ResolutionCache
) -> None:
    """After the engine failed on a batch, retry its documents alone to fail only the culprit."""
    while queue.pending:
        planned = queue.pending.popleft()
        extraction = _extract_alone(planned, nlp)
        if isinstance(extraction, str):
            failed = InputResult(planned.path, IngestOutcome.FAILED, reason=extraction)
            queue.report.record(failed)
        else:
            queue.report.record(document_store(planned, extraction, force=force, cache=cache))
        queue.progress_tell()


def document_fields(planned: PlannedDocument, extraction: Extraction) -> dict[str, Any]:
    """A document row's values besides its text and hash, cut to the columns' lengths."""
    metadata = planned.metadata
    return {
        "title": clip(Document, "title", metadata.title),
        "url": clip(Document, "url", metadata.url),
        "publisher": clip(Document, "publisher", metadata.publisher),
        "published_at": dt.date.fromisoformat(metadata.published) if metadata.published else None,
        "language": clip(Document, "language", metadata.language or "en"),
        "source_path": clip(Document, "source_path", planned.path),
        "metadata": planned.raw_metadata,
        "word_count": extraction.word_count or len(planned.text.split()),
        "extractor_version": clip(Document, "extractor_version", extraction.extractor_version),
    }


def _document_write(
    planned: PlannedDocument,
    extraction: Extraction,
    force: bool,
    cache: ResolutionCache,
    counts: RowCounts,
) -> tuple[IngestOutcome, int | None]:
    """The body of one document's transaction: the document row first, then what it holds."""
    if extraction.text != planned.text:
        raise ValueError("the engine returned a different text; offsets would not match")
    fields = document_fields(planned, extraction)
    document = None
    if planned.existing_id is not None:
        document = Document.objects.select_for_update().filter(pk=planned.existing_id).first()
    if document is None:
        try:
            with transaction.atomic():
                document = Document.objects.create(
                    text=planned.text, sha256=planned.sha256, **fields
                )
        except IntegrityError:
            if Document.objects.filter(sha256=planned.sha256).exists():
                # Another process stored the same text meanwhile: nothing to do here.
                winner = Document.objects.get(sha256=planned.sha256).pk
                return IngestOutcome.UNCHANGED, winner
            raise
        outcome = IngestOutcome.CREATED
    else:
        previous_text = document.text
        document.text, document.sha256 = planned.text, planned.sha256
        for name, value in fields.items():
            if value or name in ("word_count", "extractor_version"):
                setattr(document, name, value)
        document.save()
        Mention.objects.filter(document=document).delete()
        if previous_text != planned.text:
            reviewed_statements_reanchor(document=document, previous_text=previous_text)
        outcome = IngestOutcome.RE_EXTRACTED
    # The summaries follow the document's statements: nothing to read before for a new one.
    created = outcome is IngestOutcome.CREATED
    with summaries_follow(document_ids=[document.pk], created=created):
        _extraction_write(document, extraction, cache, counts, created=created)
    return outcome, document.pk


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _record_json(record: StatementRecord) -> dict[str, Any]:
    """The record as JSON values. Its fields hold plain values and tuples only, so this is
    ``dataclasses.asdict`` without the deep copy it makes of every value."""
    return _json_safe({field.name: getattr(record, field.name) for field in _RECORD_FIELDS})


_RECORD_FIELDS = dataclasses.fields(StatementRecord)


def _valid_span(start: int | None, end: int | None, length: int) -> bool:
    return start is not None and end is not None and 0 <= start <= end <= length


def _extraction_write(
    document: Document,
    extraction: Extraction,
    cache: ResolutionCache,
    counts: RowCounts,
    *,
    created: bool,
) -> None:
    """Map the engine's records onto actors, memberships, events, mentions and statements.

    ``created``: the document row is new in this transaction, so it has no events or
    statements to read, match or clean up yet."""
    keys = [entity.key for entity in extraction.entities]
    records = [*extraction.entities, *role_organisations(extraction.roles, keys)]
    resolved = actors_resolve(records, cache=cache)
    actors: dict[str, Person | Organisation] = resolved.actors
    counts.people += resolved.people_created
    counts.organisations += resolved.organisations_created
    memberships = memberships_ensure(extraction.roles, actors=actors, document_id=document.pk)
    confidence = {key: link.confidence for key, link in resolved.links.items()}

    events = _events_write(document, extraction, actors, counts, created=created)
    _mentions_write(document, extraction, actors, counts)
    _statements_write(
        document, extraction, actors, confidence, memberships, events, counts, created=created
    )
    if not created:
        # Events of an earlier extraction that nothing refers to any more.
        kept = [event.pk for event in events.values()]
        stale = Event.objects.filter(document=document, statements__isnull=True)
        stale.exclude(pk__in=kept).delete()


def _events_write(
    document: Document,
    extraction: Extraction,
    actors: dict[str, Person | Organisation],
    counts: RowCounts,
    *,
    created: bool,
) -> dict[str, Event]:
    """Events keyed on (document, name, start): re-extraction reuses them, and records that
    name the same event share one row (the last one's details). New ones are inserted
    together, in the order they were found, with all their participants."""
    stored: dict[tuple[str, int | None], Event] = {}
    if not created:  # a new document has no events yet: nothing to read
        stored = {(e.name, e.start): e for e in Event.objects.filter(document=document)}
    events: dict[str, Event] = {}
    new: list[Event] = []
    participants: list[tuple[Event, Person | Organisation]] = []
    for record in extraction.events:
        name = clip(Event, "name", " ".join(record.name.split()))
        if not name:
            continue
        valid = _valid_span(record.start, record.end, len(document.text))
        start = record.start if valid else None
        values = _event_values(record, valid)
        event = stored.get((name, start))
        if event is None:
            event = Event(document=document, name=name, start=start, **values)
            stored[(name, start)] = event
            new.append(event)
        elif any(getattr(event, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(event, k, v)
            if event.pk is not None:
                event.save()
        events[record.key] = event
        keys = [key for key in record.participant_keys if key in actors]
        participants.extend((event, actors[key]) for key in keys)
    Event.objects.bulk_create(new)
    counts.events += len(new)
    EventParticipant.objects.bulk_create(
        [
            EventParticipant(event=event, person=actor)
            if isinstance(actor, Person)
            else EventParticipant(event=event, organisation=actor)
            for event, actor in participants
        ],
        ignore_conflicts=True,
    )
    return events


def _event_values(record: EventRecord, valid: bool) -> dict[str, Any]:
    """An event row's details from its record (the key fields aside)."""
    try:
        date = dt.date.fromisoformat(record.date) if record.date else None
    except ValueError:
        date = None
    return {
        "classification": record.classification
        if record.classification in _EVENT_CLASSES
        else EventClassification.OTHER,
        "date": date,
        "date_text": clip(Event, "date_text", record.date_text),
        "location": clip(Event, "location", record.location),
        "end": record.end if valid else None,
    }


def _mentions_write(
    document: Document,
    extraction: Extraction,
    actors: dict[str, Person | Organisation],
    counts: RowCounts,
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
                text=clip(Mention, "text", document.text[record.start : record.end]),
                label=clip(Mention, "label", record.label),
                person=actor if isinstance(actor, Person) else None,
                organisation=actor if isinstance(actor, Organisation) else None,
            )
        )
    Mention.objects.bulk_create(rows, batch_size=500)
    counts.mentions += len(rows)


def _statements_write(
    document: Document,
    extraction: Extraction,
    actors: dict[str, Person | Organisation],
    confidence: dict[str, float | None],
    memberships: dict[tuple[int, str], Membership],
    events: dict[str, Event],
    counts: RowCounts,
    *,
    created: bool,
) -> None:
    """Store the machine's statements, keeping the id of every one read again.

    A stored machine statement read again (same span, or else same speaker and content)
    keeps its id and is updated; one no longer found is removed and its id remembered
    (``RemovedStatement``). Every human-reviewed statement is left as it is, and suppresses
    only a machine statement with its very span (or the span the machine first gave it),
    never a different statement that merely overlaps it.
    """
    if created:  # a new document has no statements to keep or avoid
        records, machine = _statement_records_to_store(extraction, set()), []
    else:
        records = _statement_records_to_store(extraction, reviewed_statement_spans(document))
        machine = list(
            Statement.objects.filter(document=document, review_status=ReviewStatus.AUTO)
            .values_list("pk", "content_start", "content_end", "speaker_text", "content")
            .order_by()
        )
    matched = statement_records_match(records, machine)
    removed = [row[0] for row in machine if row[0] not in set(matched.values())]
    removed_quotes = set()
    if removed:
        removed_quotes = set(
            Statement.objects.filter(pk__in=removed)
            .exclude(quote=None)
            .values_list("quote", flat=True)
        )
        RemovedStatement.objects.bulk_create(
            [RemovedStatement(statement_id=pk, document=document) for pk in removed],
            ignore_conflicts=True,
        )
        Statement.objects.filter(pk__in=removed).delete()
    kept: list[tuple[Statement, StatementRecord]] = []
    new: list[tuple[Statement, StatementRecord]] = []
    for index, record in enumerate(records):
        statement = statement_build(document, record, actors, memberships, events)
        if statement.speaker_person_id or statement.speaker_organisation_id:
            statement.speaker_link_confidence = confidence.get(record.speaker_key or "")
        if index in matched:
            statement.pk = matched[index]
            statement.updated_at = timezone.now()
            kept.append((statement, record))
        else:
            new.append((statement, record))
    if kept:
        StatementTarget.objects.filter(statement__in=[s.pk for s, _ in kept]).delete()
        Statement.objects.bulk_update([s for s, _ in kept], _REREAD_FIELDS, batch_size=500)
    Statement.objects.bulk_create([s for s, _ in new], batch_size=500)
    counts.statements += len(new)
    counts.statements_kept += len(kept)
    counts.statements_removed += len(removed)
    _statement_targets_write([*kept, *new], actors)
    # Every statement read here joins (or starts) its quote; the quotes of removed ones
    # lose a report.
    statements_quote(statement_ids=[s.pk for s, _ in [*kept, *new]], fresh=not kept)
    quotes_refresh(quote_ids=removed_quotes)


# What re-reading a machine statement may change: everything the engine decides, never
# its document, its creation time or its review fields.
_REREAD_FIELDS = [
    "updated_at",
    "speaker_person",
    "speaker_organisation",
    "speaker_text",
    "speaker_start",
    "speaker_end",
    "speaker_role",
    "speaker_link_confidence",
    "membership",
    "cue",
    "cue_start",
    "cue_end",
    "cue_class",
    "content",
    "content_start",
    "content_end",
    "content_spans",
    "kind",
    "statement_type",
    "cameo_code",
    "plover_code",
    "event",
    "date",
    "extractor_version",
    "confidence",
    "original_extraction",
    "cluster_key",
]


def _statement_records_to_store(
    extraction: Extraction, suppressed: set[tuple[int, int]]
) -> list[StatementRecord]:
    """The engine's statements worth a row: a stored cue class, a valid span, one per span,
    none on a span a reviewer already decided."""
    stored_classes = set(settings.KB_STORED_CUE_CLASSES)
    taken = set(suppressed)
    length = len(extraction.text)
    records = []
    for record in extraction.statements:
        span = (record.content_start, record.content_end)
        if record.cue_class not in stored_classes or span in taken:
            continue
        if not _valid_span(*span, length):
            continue
        taken.add(span)
        records.append(record)
    return records


def statement_records_match(
    records: list[StatementRecord], machine: list[tuple[int, int, int, str, str]]
) -> dict[int, int]:
    """Which stored machine statement each new record is: ``{record index: statement id}``.

    ``machine`` rows are ``(id, content_start, content_end, speaker_text, content)``. The
    same span matches first; failing that, the same speaker text and content (the text
    around it was edited, so it moved). Each stored statement matches at most one record.
    """
    by_span = {(start, end): pk for pk, start, end, _speaker, _content in machine}
    by_said: dict[tuple[str, str], list[int]] = {}
    for pk, _start, _end, speaker, content in machine:
        by_said.setdefault((speaker, content), []).append(pk)
    matched: dict[int, int] = {}
    used: set[int] = set()
    for index, record in enumerate(records):
        pk = by_span.get((record.content_start, record.content_end))
        if pk is not None:
            matched[index] = pk
            used.add(pk)
    for index, record in enumerate(records):
        if index in matched:
            continue
        candidates = by_said.get(
            (clip(Statement, "speaker_text", record.speaker_text), record.content), []
        )
        pk = next((pk for pk in candidates if pk not in used), None)
        if pk is not None:
            matched[index] = pk
            used.add(pk)
    return matched


def reviewed_statement_spans(document: Document) -> set[tuple[int, int]]:
    """The spans no new machine statement may take: each reviewed statement's own span and
    the span the machine first gave it (before a reviewer trimmed or moved it)."""
    spans: set[tuple[int, int]] = set()
    rows = Statement.objects.filter(
        document=document, review_status__in=HUMAN_REVIEW_STATUSES
    ).values_list("content_start", "content_end", "original_extraction")
    for start, end, original in rows.order_by():
        spans.add((start, end))
        if isinstance(original, dict):
            first = (original.get("content_start"), original.get("content_end"))
            if all(isinstance(offset, int) for offset in first):
                spans.add(first)
    return spans


def reviewed_statements_reanchor(*, document: Document, previous_text: str) -> None:
    """After a document's text changed, move each reviewed statement's offsets to where its
    words now are (the nearest occurrence), so highlighting stays true; what the reviewer
    decided (content, speaker, type, status) is not touched. Words no longer in the text
    leave the statement where it was."""
    changed = []
    statements = Statement.objects.filter(
        document=document, review_status__in=HUMAN_REVIEW_STATUSES
    ).order_by()
    for statement in statements:
        words = previous_text[statement.content_start : statement.content_end]
        if not words or document.text[statement.content_start : statement.content_end] == words:
            continue
        shift = _nearest_shift(document.text, words, statement.content_start)
        if shift is None:
            continue
        _statement_shift(statement, shift)
        changed.append(statement)
    fields = ["content_start", "content_end", "content_spans", "speaker_start", "speaker_end"]
    Statement.objects.bulk_update(changed, [*fields, "cue_start", "cue_end", "original_extraction"])


def _nearest_shift(text: str, words: str, old_start: int) -> int | None:
    starts, at = [], text.find(words)
    while at != -1:
        starts.append(at)
        at = text.find(words, at + 1)
    return min(starts, key=lambda start: abs(start - old_start)) - old_start if starts else None


def _statement_shift(statement: Statement, shift: int) -> None:
    for start_name, end_name in (
        ("content_start", "content_end"),
        ("speaker_start", "speaker_end"),
        ("cue_start", "cue_end"),
    ):
        start, end = getattr(statement, start_name), getattr(statement, end_name)
        if start is not None and end is not None and start + shift >= 0:
            setattr(statement, start_name, start + shift)
            setattr(statement, end_name, end + shift)
    statement.content_spans = [[a + shift, b + shift] for a, b in statement.content_spans or []]
    original = statement.original_extraction
    if isinstance(original, dict) and isinstance(original.get("content_start"), int):
        original = dict(original)
        original["content_start"] += shift
        original["content_end"] += shift
        statement.original_extraction = original


def _statement_targets_write(
    pairs: list[tuple[Statement, StatementRecord]], actors: dict[str, Person | Organisation]
) -> None:
    rows = []
    for statement, record in pairs:
        targets = {
            (type(a).__name__, a.pk): a
            for a in (actors.get(key) for key in record.target_keys)
            if a is not None
        }
        for actor in targets.values():
            if isinstance(actor, Person):
                rows.append(StatementTarget(statement=statement, person=actor))
            else:
                rows.append(StatementTarget(statement=statement, organisation=actor))
    StatementTarget.objects.bulk_create(rows, batch_size=500)


def statement_build(
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
        speaker_text=clip(Statement, "speaker_text", record.speaker_text),
        speaker_start=record.speaker_start if speaker_ok else None,
        speaker_end=record.speaker_end if speaker_ok else None,
        speaker_role=clip(Statement, "speaker_role", record.speaker_role),
        membership=membership,
        cue=clip(Statement, "cue", record.cue),
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
        cameo_code=clip(Statement, "cameo_code", record.cameo),
        plover_code=clip(Statement, "plover_code", record.plover),
        event=event,
        date=(event.date if event is not None and event.date else None) or document.published_at,
        extractor_version=document.extractor_version,
        confidence=float(record.confidence),
        original_extraction=_record_json(record),
        cluster_key=content_cluster_key(record.content),
        review_status=ReviewStatus.AUTO,
    )
