"""The records the exports and the backup stream."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from statements.models import (
    Statement,
)
from statements.selectors.events import event_list_api
from statements.selectors.organisations import organisation_list_api
from statements.selectors.people import membership_list_api, person_list_api


def popolo_export_sections(
    *, statements: Iterable[Statement], base_url: str = "", chunk_size: int = 2000
) -> list[tuple[str, Iterator[dict]]]:
    """Popolo's five sections streamed from the database: every person, organisation,
    membership and event, and the given statements as speeches."""
    from statements import exports

    def chunked(queryset):
        return queryset.order_by("id").iterator(chunk_size=chunk_size)

    return exports.popolo_sections(
        persons=chunked(person_list_api()),
        organisations=chunked(organisation_list_api()),
        memberships=chunked(membership_list_api()),
        events=chunked(event_list_api()),
        statements=statements,
        base_url=base_url,
    )
