"""Celery tasks: thin, like the commands. The work is ``services.ingest_queue``'s.

The spaCy pipeline is loaded, and run once over a short text, in the worker's main process
before it forks its pool (``worker_init``): every pool process then starts with it ready,
and the model's pages are shared between them rather than copied, as the local driver's
forked workers share them. A pool process that finds none (a pool that does not fork)
loads its own when it starts (``worker_process_init``). Every task reuses it: loading takes
seconds and most of a worker's memory.
"""

from __future__ import annotations

import contextlib
import functools
from typing import Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_init, worker_process_init
from django.conf import settings

from statements.services.ingest import IngestOutcome
from statements.services.ingest_queue import (
    run_items_failed,
    run_items_ingest,
    run_items_interrupted,
    run_items_pending,
)


@functools.cache
def worker_pipeline(model_name: str) -> Any:
    """The pipeline ``model_name`` names, loaded once per process."""
    from statements.nlp import load_pipeline

    return load_pipeline(model_name)


# Parsing a text the first time allocates the parser's work buffers: done before the fork,
# no pool process pays for it in its first task.
_WARM_UP_TEXT = "The minister said on Monday that the talks would resume. “We are ready,” she said."


@worker_init.connect
def _pipeline_preload_before_fork(**_kwargs: Any) -> None:
    nlp = worker_pipeline(settings.KB_SPACY_MODEL)
    nlp(_WARM_UP_TEXT)


@worker_process_init.connect
def _pipeline_preload(**_kwargs: Any) -> None:
    worker_pipeline(settings.KB_SPACY_MODEL)


@shared_task(bind=True, name="statements.tasks.ingest_items_task", acks_late=True)
def ingest_items_task(
    self: Any, *, items: list[dict[str, Any]], force: bool, model_name: str
) -> list[str | None]:
    """Extract and store a few queued documents; failures are retried with a doubling delay
    (``KB_QUEUE_RETRY_BACKOFF``) up to ``KB_QUEUE_MAX_RETRIES`` times, then recorded. A
    retry runs only the documents still pending. A batch over its time limit sends its
    pending documents on one per task; a single document over it is recorded as failed."""
    retries, most = self.request.retries, settings.KB_QUEUE_MAX_RETRIES
    countdown = settings.KB_QUEUE_RETRY_BACKOFF * 2**retries
    item_ids = [entry["item_id"] for entry in items]
    try:
        outcomes = run_items_ingest(
            items=items,
            force=force,
            nlp=worker_pipeline(model_name or settings.KB_SPACY_MODEL),
            final_attempt=retries >= most,
            interrupts=(SoftTimeLimitExceeded,),
        )
    except SoftTimeLimitExceeded:
        seconds = settings.KB_QUEUE_DOCUMENT_TIME_LIMIT
        run_items_interrupted(item_ids=item_ids, seconds=seconds)
        return [None] * len(items)
    except Exception as error:  # the database went away mid-task, say: try again later
        reason = f"{type(error).__name__}: {error}"
        if retries >= most:
            run_items_failed(item_ids=item_ids, reason=reason, final=True)
            raise
        # Counted as an attempt, not as a lost worker; best effort, since the database may
        # be what went away (the retry is sent all the same).
        with contextlib.suppress(Exception):
            run_items_failed(item_ids=item_ids, reason=reason, final=False)
        raise self.retry(exc=error, countdown=countdown, max_retries=most) from error
    if IngestOutcome.FAILED in outcomes and retries < most and run_items_pending(item_ids):
        raise self.retry(countdown=countdown, max_retries=most)
    return [outcome.value if outcome else None for outcome in outcomes]
