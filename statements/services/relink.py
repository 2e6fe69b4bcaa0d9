"""Re-linking: recompute which record each machine statement's speaker is.

A statement's speaker is linked when its document is ingested, against the records stored
at that time. Records stored later (another article naming "Barack Obama" in full, an
``import_actors`` registry, an editor's merge) can single out the person a bare "Obama"
meant. ``statements_relink`` repeats the cross-document step for machine statements
(review status ``auto``) from what the engine read in the document (kept in
``original_extraction``); statements an editor reviewed are never touched.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from statements.models import Person, ReviewStatus, Statement
from statements.naming import surname_key
from statements.services.entities import (
    ResolutionCache,
    is_bare_surname,
    surname_candidates,
    surname_link,
)
from statements.services.quotes import quotes_refresh_for_statements
from statements.services.summaries import summaries_follow

_BATCH = 500


@dataclass
class RelinkReport:
    """What a re-link run changed: statements examined, linked anew, moved, unlinked."""

    examined: int = 0
    linked: int = 0  # had no record, now have one
    moved: int = 0  # went from one record to another
    unlinked: int = 0  # lost their record (the evidence no longer singles one out)
    moves: list[tuple[int, str, str]] = field(default_factory=list)  # (statement, from, to)


def statements_relink(
    *,
    document_ids: Iterable[int] | None = None,
    statement_ids: Iterable[int] | None = None,
    unlinked_only: bool = False,
) -> RelinkReport:
    """Re-link the speakers named by a bare surname in machine statements.

    ``document_ids`` or ``statement_ids`` limit the run; ``unlinked_only`` keeps it to
    statements without a speaker record (what ingest runs after each batch of documents).
    """
    statements = Statement.objects.filter(
        review_status=ReviewStatus.AUTO, speaker_organisation__isnull=True
    ).order_by("pk")
    if document_ids is not None:
        statements = statements.filter(document_id__in=list(document_ids))
    if statement_ids is not None:
        statements = statements.filter(pk__in=list(statement_ids))
    if unlinked_only:
        statements = statements.filter(speaker_person__isnull=True)
    report = RelinkReport()
    cache = ResolutionCache()
    last = 0
    while True:
        batch = list(
            statements.filter(pk__gt=last)
            .select_related("speaker_person")
            .only("pk", "speaker_person", "speaker_link_confidence", "original_extraction")[:_BATCH]
        )
        if not batch:
            return report
        last = batch[-1].pk
        _batch_relink(batch, cache, report)


def _speaker_name(statement: Statement) -> str:
    extraction = statement.original_extraction or {}
    return str(extraction.get("speaker_resolved") or "")


def _batch_relink(batch: list[Statement], cache: ResolutionCache, report: RelinkReport) -> None:
    named = [s for s in batch if _speaker_name(s) and is_bare_surname(_speaker_name(s))]
    keys = {surname_key(_speaker_name(s)) for s in named} - {""}
    candidates = surname_candidates(keys, cache)
    changed: list[Statement] = []
    for statement in named:
        report.examined += 1
        extraction = statement.original_extraction
        link = surname_link(
            candidates.get(surname_key(_speaker_name(statement)), []),
            name=_speaker_name(statement),
            gender=str(extraction.get("speaker_gender") or ""),
            title=str(extraction.get("speaker_title") or ""),
        )
        before: Person | None = statement.speaker_person
        after = link.actor if isinstance(link.actor, Person) else None
        if (before and before.pk) == (after and after.pk):
            continue
        if before is None:
            report.linked += 1
        elif after is None:
            report.unlinked += 1
        else:
            report.moved += 1
        report.moves.append((statement.pk, str(before or ""), str(after or "")))
        statement.speaker_person = after
        statement.speaker_link_confidence = link.confidence
        changed.append(statement)
    if changed:
        with summaries_follow(statement_ids=[s.pk for s in changed]):
            Statement.objects.bulk_update(
                changed, ["speaker_person", "speaker_link_confidence"], batch_size=_BATCH
            )
            quotes_refresh_for_statements(statement_ids=[s.pk for s in changed])
