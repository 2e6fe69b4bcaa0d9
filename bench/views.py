"""The floor of our stack: plain Django views returning JsonResponse, no DRF.

Each view runs the same queries the API list runs (one page of 50, newest first, with the
speaker and document columns the list shows, then the page's targets) and serialises them
with ``values()``; the benchmark reports every endpoint's requests per second as a ratio
to these.
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest, JsonResponse

from statements.models import Statement, StatementTarget
from statements.shapes import SPEAKER_COLUMNS

PAGE_SIZE = 50
FIELDS = (
    "id",
    "content",
    "kind",
    "statement_type",
    "cue",
    "cue_class",
    "date",
    "review_status",
    "confidence",
    "speaker_text",
    "speaker_role",
    *SPEAKER_COLUMNS,
    "document_id",
    "document__title",
    "document__publisher",
    "document__published_at",
    "event_id",
)


TARGET_FIELDS = (
    "statement_id",
    "person_id",
    "person__name",
    "person__slug",
    "organisation_id",
    "organisation__name",
    "organisation__slug",
)


def _with_targets(rows: list[dict]) -> list[dict]:
    """Attach each row's targets with one more query, as the API's prefetch does."""
    by_id = {row["id"]: row for row in rows}
    for row in rows:
        row["targets"] = []
    targets = StatementTarget.objects.filter(statement_id__in=by_id).order_by("id")
    for target in targets.values(*TARGET_FIELDS):
        by_id[target.pop("statement_id")]["targets"].append(target)
    return rows


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def baseline_statement_list(request: HttpRequest) -> JsonResponse:
    """Newest 50 statements, optionally by speaker (person id) or in a date range.

    Keyset pagination like the API's cursor: ``?before=<id>`` continues a page.
    """
    statements = Statement.objects.order_by("-id")
    if speaker := request.GET.get("speaker_person"):
        statements = statements.filter(speaker_person_id=int(speaker))
    if date_from := _date(request.GET.get("date_from")):
        statements = statements.filter(date__gte=date_from)
    if date_to := _date(request.GET.get("date_to")):
        statements = statements.filter(date__lte=date_to)
    if before := request.GET.get("before"):
        statements = statements.filter(id__lt=int(before))
    rows = _with_targets(list(statements.values(*FIELDS)[:PAGE_SIZE]))
    return JsonResponse({"results": rows})


def baseline_statement_detail(request: HttpRequest, pk: int) -> JsonResponse:
    """One statement with the same columns."""
    row = Statement.objects.filter(pk=pk).values(*FIELDS).first()
    if row is None:
        raise Http404
    return JsonResponse(_with_targets([row])[0])
