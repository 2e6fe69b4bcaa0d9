"""Queued ingestion: the task-queue driver over the plan and store steps of ingest.py.

``ingest_enqueue`` plans every input where it is called (read, validate, normalise, hash,
skip texts already stored: bad files are reported exactly as by a local run), records an
``IngestRun`` with one ``IngestRunItem`` per input, and sends one task per small batch of
documents that need the engine (``KB_QUEUE_BATCH_SIZE``), carrying each
``PlannedDocument`` as JSON. A Celery worker runs ``run_items_ingest`` for each batch: its
documents parsed together (``planned_extractions``: one ``nlp.pipe`` call, as a local run
parses), then each stored by the same ``document_store`` as every other driver, in its own
transaction, with its item's result written inside that transaction.

Why this is safe under redelivery (tasks are acknowledged late, so a task whose worker
died is run again): the item and its document commit together, so a second delivery finds
either both (and skips it) or neither (and stores the document once). A batch whose
worker died after storing some of its documents is redelivered whole, and only the rest
are parsed and stored. Two deliveries
running at once race on ``Document.sha256``'s unique index, and the loser's writes roll
back. A run is finished by whichever delivery settles its last item, under a row lock.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import socket
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from statements.models import IngestItemState, IngestRun, IngestRunItem
from statements.nlp.records import Extraction
from statements.readers import ReadError, SourceDocument, published_parse
from statements.services.entities import ResolutionCache
from statements.services.ingest import (
    IngestOutcome,
    IngestReport,
    InputResult,
    MetadataDefaults,
    PlannedDocument,
    RowCounts,
    document_plan,
    document_store,
    planned_extractions,
)
from statements.services.relink import statements_relink

TASK_NAME = "statements.tasks.ingest_items_task"
_ENQUEUE_CHUNK = 100


class BrokerUnavailable(RuntimeError):
    """No broker is configured, or the configured one does not answer."""


class _SendFailed(Exception):
    def __init__(self, unsent: list[int], error: Exception) -> None:
        super().__init__(str(error))
        self.unsent, self.error = unsent, error


class _ItemAlreadySettled(Exception):
    """Another delivery of the same task stored this item first: roll this one back."""


def broker_configured() -> bool:
    return bool(settings.CELERY_BROKER_URL)


def broker_check() -> None:
    """Raise ``BrokerUnavailable`` unless the configured broker accepts a connection."""
    from kb.celery import app

    if not broker_configured():
        raise BrokerUnavailable("no broker configured: set CELERY_BROKER_URL")
    try:
        with app.connection_for_write(settings.CELERY_BROKER_URL) as connection:
            connection.ensure_connection(max_retries=1, timeout=5)
    except Exception as error:  # kombu raises the transport's own errors
        raise BrokerUnavailable(f"the broker does not answer: {error}") from error


# ---------------------------------------------------------------------------- enqueue


def ingest_enqueue(
    *,
    sources: Iterable[SourceDocument | ReadError],
    inputs: Iterable[str] = (),
    force: bool = False,
    publisher: str | None = None,
    published: str | None = None,
    model_name: str | None = None,
    on_settled: Callable[[InputResult], Any] | None = None,
) -> IngestRun:
    """Plan every input here, record the run and send a task for each document to parse.

    Inputs settled by the plan (read errors, empty texts, texts already stored) become
    finished items at once and are passed to ``on_settled``. Raises ``BrokerUnavailable``
    before recording anything if the broker does not answer.
    """
    broker_check()
    if published:
        published = published_parse(published, where="--published")
    defaults = MetadataDefaults(publisher or "", published or "")
    run = IngestRun.objects.create(
        inputs=list(inputs), force=force, model_name=model_name or settings.KB_SPACY_MODEL
    )
    try:
        _sources_send(run, sources, force=force, defaults=defaults, on_settled=on_settled)
    except _SendFailed as failure:
        # What was sent goes on; what was not is recorded as failed, so the run can end.
        reason = f"not queued: the broker went away ({failure})"
        IngestRunItem.objects.filter(pk__in=failure.unsent).update(
            state=IngestItemState.FAILED, reason=reason, payload={}, finished_at=timezone.now()
        )
        IngestRun.objects.filter(pk=run.pk).update(enqueued_at=timezone.now())
        run_finish_if_complete(run_id=run.pk)
        raise BrokerUnavailable(
            f"{reason}; run {run.pk} holds what was queued, inputs after it were not read"
        ) from failure.error
    IngestRun.objects.filter(pk=run.pk).update(enqueued_at=timezone.now())
    run_finish_if_complete(run_id=run.pk)
    run.refresh_from_db()
    return run


def _sources_send(
    run: IngestRun,
    sources: Iterable[SourceDocument | ReadError],
    *,
    force: bool,
    defaults: MetadataDefaults,
    on_settled: Callable[[InputResult], Any] | None,
) -> None:
    seen: set[str] = set()
    batch: list[tuple[IngestRunItem, PlannedDocument | None]] = []
    for item in sources:
        planned = document_plan(item, force=force, defaults=defaults)
        if isinstance(planned, PlannedDocument) and planned.sha256 in seen:
            # The same text twice in one run: the first copy is the stored one.
            planned = InputResult(planned.path, IngestOutcome.UNCHANGED)
        batch.append(_item_for(run, planned, on_settled))
        if isinstance(planned, PlannedDocument):
            seen.add(planned.sha256)
        if len(batch) >= _ENQUEUE_CHUNK:
            _items_send(run, batch)
            batch = []
    _items_send(run, batch)


def _item_for(
    run: IngestRun,
    planned: PlannedDocument | InputResult,
    on_settled: Callable[[InputResult], Any] | None,
) -> tuple[IngestRunItem, PlannedDocument | None]:
    if isinstance(planned, PlannedDocument):
        item = IngestRunItem(
            run=run,
            path=planned.path,
            sha256=planned.sha256,
            queued=True,
            payload=planned.to_json(),
        )
        return item, planned
    if on_settled is not None:
        on_settled(planned)
    item = IngestRunItem(
        run=run,
        path=planned.path,
        state=planned.outcome.value,
        reason=planned.reason,
        document_id=planned.document_id,
        finished_at=timezone.now(),
    )
    return item, None


def _items_send(run: IngestRun, batch: list[tuple[IngestRunItem, PlannedDocument | None]]) -> None:
    """Store a batch of items, then send a task for each queued one (items exist first, so a
    worker never gets a task whose item it cannot find)."""
    if not batch:
        return
    stored = IngestRunItem.objects.bulk_create([item for item, _ in batch])
    _tasks_send(run, [item for item, (_, planned) in zip(stored, batch, strict=True) if planned])


def _tasks_send(
    run: IngestRun, items: list[IngestRunItem], *, batch_size: int | None = None
) -> None:
    """One task per ``KB_QUEUE_BATCH_SIZE`` items (or ``batch_size``), their planned
    documents as JSON; ``_SendFailed`` names the items whose task was not sent."""
    from kb.celery import app

    size = max(1, settings.KB_QUEUE_BATCH_SIZE if batch_size is None else batch_size)
    batches = [items[start : start + size] for start in range(0, len(items), size)]
    sent = 0
    try:
        with app.connection_for_write(settings.CELERY_BROKER_URL) as connection:
            for batch in batches:
                app.send_task(
                    TASK_NAME,
                    kwargs={
                        "items": [{"item_id": i.pk, "planned": i.payload} for i in batch],
                        "force": run.force,
                        "model_name": run.model_name,
                    },
                    connection=connection,
                    queue=settings.CELERY_TASK_DEFAULT_QUEUE,
                    **_time_limits(len(batch)),
                )
                sent += 1
    except Exception as error:  # kombu raises the transport's own errors
        unsent = [item.pk for batch in batches[sent:] for item in batch]
        raise _SendFailed(unsent, error) from error


# Between a task's soft time limit (the task stops itself) and its hard one (its pool
# process is killed): time to roll back and record what happened.
_HARD_LIMIT_GRACE = 30.0


def _time_limits(documents: int) -> dict[str, float]:
    """A task's time limits for its documents (``KB_QUEUE_DOCUMENT_TIME_LIMIT`` each)."""
    per_document = settings.KB_QUEUE_DOCUMENT_TIME_LIMIT
    if per_document <= 0:
        return {}
    soft = per_document * documents
    return {"soft_time_limit": soft, "time_limit": soft + _HARD_LIMIT_GRACE}


def ingest_run_requeue(*, run: IngestRun) -> int:
    """Send the run's pending documents again; how many were sent.

    For a run that stalls with documents pending and no worker busy on them: Redis's
    transport loses a message whose worker is killed in the instant between taking it off
    the queue and recording it as unacknowledged. A document that was not lost after all
    is then delivered twice, and the second delivery does nothing.
    """
    broker_check()
    items = list(
        IngestRunItem.objects.filter(run=run, state=IngestItemState.PENDING, queued=True)
        .exclude(payload={})
        .only("id", "payload")
        .order_by("id")
    )
    try:
        _tasks_send(run, items)
    except _SendFailed as failure:
        raise BrokerUnavailable(f"the broker went away while re-queueing: {failure}") from None
    return len(items)


# ----------------------------------------------------------------------------- worker


def run_items_ingest(
    *,
    items: list[dict[str, Any]],
    force: bool,
    nlp: Any,
    final_attempt: bool,
    interrupts: tuple[type[BaseException], ...] = (),
) -> list[IngestOutcome | None]:
    """A worker's body for one queued batch: extract its documents together, store each.

    ``items`` are ``{"item_id", "planned"}`` pairs. Returns each item's outcome in order, or
    ``None`` for an item not settled here (a redelivery of a settled item, or an item sent
    on in a task of its own). A failure is recorded as final only on the ``final_attempt``;
    before that the item keeps its reason and attempt count, and the caller retries the
    batch (whose settled items it skips). ``interrupts`` (the task's time limit) reach the
    caller, which hands them to ``run_items_interrupted``.

    A worker lost on a batch (killed, out of memory, over its hard time limit) leaves its
    items begun but neither stored nor failed. The next delivery of such a batch sends each
    of its pending documents on in a task of its own, so that the others do not share the
    culprit's fate; a document whose worker was lost ``KB_QUEUE_MAX_RETRIES`` times is
    recorded as failed instead of being parsed again.
    """
    ids = [entry["item_id"] for entry in items]
    rows = IngestRunItem.objects.filter(pk__in=ids).values(
        "id", "state", "run_id", "deliveries", "attempts"
    )
    found = {row["id"]: row for row in rows}
    todo = [e for e in items if found.get(e["item_id"], {}).get("state") == IngestItemState.PENDING]
    losses = {e["item_id"]: _losses(found[e["item_id"]]) for e in todo}
    worker = f"{socket.gethostname()}:{os.getpid()}"
    outcomes: dict[int, IngestOutcome | None] = {}
    if len(todo) > 1 and any(losses.values()):
        _items_send_alone([e["item_id"] for e in todo])
        todo = []
    elif todo and losses[todo[0]["item_id"]] >= settings.KB_QUEUE_MAX_RETRIES:
        item_id = todo[0]["item_id"]
        reason = f"its worker was lost {losses[item_id]} times while working on it ({_LOST})"
        _item_fail(item_id, reason, worker, final=True)
        outcomes[item_id], todo = IngestOutcome.FAILED, []
    IngestRunItem.objects.filter(
        pk__in=[entry["item_id"] for entry in todo], state=IngestItemState.PENDING
    ).update(started_at=timezone.now(), worker=worker, deliveries=F("deliveries") + 1)
    outcomes |= _items_extract_store(todo, force, nlp, worker, final_attempt, interrupts)
    for run_id in sorted({row["run_id"] for row in found.values()}):
        run_finish_if_complete(run_id=run_id)
    return [outcomes.get(item_id) for item_id in ids]


_LOST = "killed, out of memory, or over KB_QUEUE_DOCUMENT_TIME_LIMIT"


def _losses(row: dict[str, Any]) -> int:
    """Deliveries of an item that ended neither settled nor with a recorded failure."""
    return max(0, row["deliveries"] - row["attempts"])


def _items_extract_store(
    todo: list[dict[str, Any]],
    force: bool,
    nlp: Any,
    worker: str,
    final_attempt: bool,
    interrupts: tuple[type[BaseException], ...],
) -> dict[int, IngestOutcome | None]:
    if not todo:
        return {}
    documents = [PlannedDocument.from_json(entry["planned"]) for entry in todo]
    outcomes: dict[int, IngestOutcome | None] = {}
    cache = ResolutionCache()
    extractions = planned_extractions(
        documents, nlp=nlp, batch_size=len(documents) or 1, interrupts=interrupts
    )
    for entry, document, extraction in zip(todo, documents, extractions, strict=True):
        item_id = entry["item_id"]
        if isinstance(extraction, str):
            result = InputResult(document.path, IngestOutcome.FAILED, reason=extraction)
        else:
            result = _item_store(item_id, document, extraction, force, cache, worker)
        if result is not None and result.outcome is IngestOutcome.FAILED:
            _item_fail(item_id, result.reason, worker, final=final_attempt)
        outcomes[item_id] = result.outcome if result else None
    return outcomes


def run_items_pending(item_ids: list[int]) -> bool:
    """Whether any of these items is still to be stored (a failure not yet final)."""
    return IngestRunItem.objects.filter(pk__in=item_ids, state=IngestItemState.PENDING).exists()


def run_items_interrupted(*, item_ids: list[int], seconds: float) -> None:
    """A batch stopped by its time limit: its documents still pending go on in tasks of
    their own; a document alone in its task is recorded as failed (the engine would only
    run out of time on it again)."""
    pending = list(
        IngestRunItem.objects.filter(pk__in=item_ids, state=IngestItemState.PENDING)
        .order_by("id")
        .values_list("id", flat=True)
    )
    if len(pending) > 1:
        _items_send_alone(pending)
        return
    worker = f"{socket.gethostname()}:{os.getpid()}"
    reason = f"the engine did not finish it in {seconds:g} s (KB_QUEUE_DOCUMENT_TIME_LIMIT)"
    for item_id in pending:
        _item_fail(item_id, reason, worker, final=True)
    run_ids = IngestRunItem.objects.filter(pk__in=item_ids).values_list("run_id", flat=True)
    for run_id in sorted(set(run_ids)):
        run_finish_if_complete(run_id=run_id)


def _items_send_alone(item_ids: list[int]) -> None:
    """Send each of these pending items again in a task of its own."""
    items = list(
        IngestRunItem.objects.filter(pk__in=item_ids, state=IngestItemState.PENDING)
        .select_related("run")
        .order_by("id")
    )
    for run_id in sorted({item.run_id for item in items}):
        of_run = [item for item in items if item.run_id == run_id]
        _tasks_send(of_run[0].run, of_run, batch_size=1)


def _item_store(
    item_id: int,
    document: PlannedDocument,
    extraction: Extraction,
    force: bool,
    cache: ResolutionCache,
    worker: str,
) -> InputResult | None:
    """Store one document with its item settled in the same transaction; ``None`` when
    another delivery settled the item first (this one's writes are rolled back)."""
    try:
        return document_store(
            document,
            extraction,
            force=force,
            cache=cache,
            record=lambda result: _item_settle(item_id, result, worker),
        )
    except _ItemAlreadySettled:
        return None


def run_items_failed(*, item_ids: list[int], reason: str, final: bool) -> None:
    """Record that a queued batch's attempt raised for its unsettled documents: as their
    failure if ``final``, else as a failed attempt to be retried (so that the next
    delivery does not take it for a lost worker)."""
    worker = f"{socket.gethostname()}:{os.getpid()}"
    for item_id in item_ids:
        _item_fail(item_id, reason, worker, final=final)
    if not final:
        return
    run_ids = IngestRunItem.objects.filter(pk__in=item_ids).values_list("run_id", flat=True)
    for run_id in sorted(set(run_ids)):
        run_finish_if_complete(run_id=run_id)


def _item_settle(item_id: int, result: InputResult, worker: str) -> None:
    """Inside the document's transaction: the item is done, or another delivery did it."""
    settled = IngestRunItem.objects.filter(pk=item_id, state=IngestItemState.PENDING).update(
        state=result.outcome.value,
        document_id=result.document_id,
        words=result.words,
        counts=dataclasses.asdict(result.counts),
        worker=worker,
        reason="",
        payload={},
        finished_at=timezone.now(),
    )
    if not settled:
        raise _ItemAlreadySettled(item_id)


def _item_fail(item_id: int, reason: str, worker: str, *, final: bool) -> None:
    item = IngestRunItem.objects.filter(pk=item_id, state=IngestItemState.PENDING).first()
    if item is None:
        return
    item.attempts += 1
    item.reason, item.worker = reason, worker
    if final:
        item.state, item.finished_at, item.payload = IngestItemState.FAILED, timezone.now(), {}
    item.save(update_fields=["attempts", "reason", "worker", "state", "finished_at", "payload"])


def run_finish_if_complete(*, run_id: int) -> bool:
    """Finish the run if every input is read and settled: re-link the speakers its documents
    named by a surname alone (as a local run does at its end), stamp ``finished_at``. One
    caller does it, under the run's row lock; True if this call finished it."""
    with transaction.atomic():
        run = IngestRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.finished_at is not None or run.enqueued_at is None:
            return False
        items = IngestRunItem.objects.filter(run_id=run_id)
        if items.filter(state=IngestItemState.PENDING).exists():
            return False
        document_ids = list(
            items.exclude(state=IngestItemState.FAILED)
            .exclude(document_id=None)
            .filter(queued=True)
            .values_list("document_id", flat=True)
        )
        if document_ids:
            run.relinked = statements_relink(document_ids=document_ids, unlinked_only=True).linked
        run.finished_at = timezone.now()
        run.save(update_fields=["relinked", "finished_at"])
        return True


# ---------------------------------------------------------------------------- reports


def ingest_run_report(*, run: IngestRun) -> IngestReport:
    """The run as the report a local ``ingest`` prints: the same figures, the same order of
    failures (the order the inputs were read)."""
    run.refresh_from_db()
    report = IngestReport()
    for item in IngestRunItem.objects.filter(run=run).order_by("id"):
        report.inputs += 1
        if item.state == IngestItemState.PENDING:
            continue
        report.record(
            InputResult(
                item.path,
                IngestOutcome(item.state),
                item.document_id,
                reason=item.reason,
                words=item.words,
                counts=RowCounts(**(item.counts or {})),
            )
        )
    report.relinked = run.relinked
    end = run.finished_at or timezone.now()
    report.elapsed = max((end - run.created_at) / dt.timedelta(seconds=1), 0.0)
    return report
