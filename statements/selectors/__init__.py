"""Read queries, one module per entity: the one home of select_related / prefetch_related.

Views, viewsets and exports ask a selector for a queryset and never add joins of their
own, so every page and endpoint has one place where its query count is decided. What the
public sees and what is counted is decided by the models' QuerySet methods
(``Statement.objects.public()``, ``with_statement_count()``); the selectors add the joins.
Charts and facets (aggregates for drawing) live in ``statements/charts.py``.
"""

from statements.selectors.documents import (
    document_list_api,
    document_list_qs,
    document_mentions,
    document_statements,
    paragraph_bounds,
)
from statements.selectors.events import (
    event_get,
    event_list_api,
    event_list_qs,
)
from statements.selectors.exports import (
    popolo_export_sections,
)
from statements.selectors.organisations import (
    organisation_choices,
    organisation_events,
    organisation_get,
    organisation_list_api,
    organisation_list_qs,
    organisation_most_quoted,
    organisation_statements,
    organisation_statements_about,
)
from statements.selectors.people import (
    EVENTS_SHOWN,
    membership_list_api,
    person_detail_api,
    person_events,
    person_get,
    person_list_api,
    person_list_qs,
    person_most_quoted,
    person_statement_counts,
    person_statement_counts_attach,
    person_statements,
    person_statements_about,
    speaker_choices,
    statement_type_count_field,
)
from statements.selectors.quotes import (
    quote_detail_api,
    quote_get,
    quote_list_api,
    quote_most_repeated,
    quote_spread,
)
from statements.selectors.statements import (
    NEWEST_FIRST,
    UNDATED,
    removed_statement_get,
    statement_count_estimate,
    statement_get,
    statement_list_api,
    statement_page_api,
    statement_public_qs,
    statement_rows_api,
    statement_same_quote,
)
from statements.selectors.summaries import (
    SUMMARY_CACHE_SECONDS,
    SiteCounts,
    StatementSummary,
    Subject,
    cached_summary,
    site_counts,
    statement_kind_counts,
    statement_summary,
    statement_total,
    subjects_filter,
    summary_event_ids,
)

__all__ = [
    "EVENTS_SHOWN",
    "NEWEST_FIRST",
    "SUMMARY_CACHE_SECONDS",
    "UNDATED",
    "SiteCounts",
    "StatementSummary",
    "Subject",
    "cached_summary",
    "document_list_api",
    "document_list_qs",
    "document_mentions",
    "document_statements",
    "event_get",
    "event_list_api",
    "event_list_qs",
    "membership_list_api",
    "organisation_choices",
    "organisation_events",
    "organisation_get",
    "organisation_list_api",
    "organisation_list_qs",
    "organisation_most_quoted",
    "organisation_statements",
    "organisation_statements_about",
    "paragraph_bounds",
    "person_detail_api",
    "person_events",
    "person_get",
    "person_list_api",
    "person_list_qs",
    "person_most_quoted",
    "person_statement_counts",
    "person_statement_counts_attach",
    "person_statements",
    "person_statements_about",
    "popolo_export_sections",
    "quote_detail_api",
    "quote_get",
    "quote_list_api",
    "quote_most_repeated",
    "quote_spread",
    "removed_statement_get",
    "site_counts",
    "speaker_choices",
    "statement_count_estimate",
    "statement_get",
    "statement_kind_counts",
    "statement_list_api",
    "statement_page_api",
    "statement_public_qs",
    "statement_rows_api",
    "statement_same_quote",
    "statement_summary",
    "statement_total",
    "statement_type_count_field",
    "subjects_filter",
    "summary_event_ids",
]
