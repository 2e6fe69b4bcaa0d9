"""Queued ingest runs: where a run stands, and which of its inputs went wrong."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from django.db.models import Count, Q

from statements.models import IngestItemState, IngestRun, IngestRunItem


@dataclasses.dataclass(frozen=True, slots=True)
class RunProgress:
    """How far a run has got: what ``ingest --queue --wait`` and ``ingest_status`` show."""

    inputs: int
    queued: int
    pending: int
    created: int
    unchanged: int
    re_extracted: int
    failed: int
    finished: bool

    @property
    def settled(self) -> int:
        return self.inputs - self.pending


def ingest_run_get(run_id: int) -> IngestRun | None:
    return IngestRun.objects.filter(pk=run_id).first()


def ingest_run_progress(*, run: IngestRun) -> RunProgress:
    """The run's counts, in one query (and one for whether it has finished)."""
    counts = IngestRunItem.objects.filter(run=run).aggregate(
        inputs=Count("id"),
        queued=Count("id", filter=Q(queued=True)),
        **{state.value: Count("id", filter=Q(state=state)) for state in IngestItemState},
    )
    finished = IngestRun.objects.filter(pk=run.pk, finished_at__isnull=False).exists()
    return RunProgress(finished=finished, **counts)


def ingest_run_failures(
    *, run: IngestRun, queued_only: bool = False, exclude: Iterable[int] = ()
) -> list[tuple[int, str, str]]:
    """The run's failed inputs as (item id, path, reason), in the order they were read;
    ``queued_only`` leaves out those the plan settled (reported when the run was queued)."""
    failed = IngestRunItem.objects.filter(run=run, state=IngestItemState.FAILED)
    if queued_only:
        failed = failed.filter(queued=True)
    failed = failed.exclude(pk__in=list(exclude)).order_by("id")
    return list(failed.values_list("id", "path", "reason"))


def ingest_run_retrying(*, run: IngestRun) -> list[IngestRunItem]:
    """Queued documents that failed at least once and wait for another attempt."""
    return list(
        IngestRunItem.objects.filter(run=run, state=IngestItemState.PENDING, attempts__gt=0)
        .only("path", "reason", "attempts")
        .order_by("id")
    )


def ingest_run_failed_items(*, run: IngestRun) -> list[IngestRunItem]:
    return list(
        IngestRunItem.objects.filter(run=run, state=IngestItemState.FAILED)
        .only("path", "reason", "attempts")
        .order_by("id")
    )
