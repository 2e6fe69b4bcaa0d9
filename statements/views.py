"""HTML pages: thin views that parse the request, ask selectors, render templates.

Lists reuse the FilterSets of ``statements/filters.py`` (the API's), so a filter means
the same thing on a page and in the API. Merged people and organisations redirect
permanently to the record that survived the merge.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.core.paginator import Page, Paginator
from django.db.models import F, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.functional import cached_property

from statements import actor_html, charts, selectors
from statements.filters import (
    DocumentFilterSet,
    EventFilterSet,
    OrganisationFilterSet,
    PersonFilterSet,
    QuoteFilterSet,
    SearchPageFilterSet,
    StatementFilterSet,
    actor_name_filter,
    filters_named,
    filterset_narrowed,
)
from statements.links import page_url
from statements.models import (
    Document,
    EventClassification,
    Organisation,
    OrganisationClassification,
    Person,
    Statement,
    StatementKind,
    StatementQuerySet,
    StatementType,
)
from statements.search import document_search
from statements.selectors import cached_summary as _cached
from statements.svg import (
    GraphNode,
    legend_html,
    spread_svg,
    talk_graph_svg,
    timeline_buckets,
    timeline_svg,
)

PAGE_SIZE = 25
SEARCH_PAGE_SIZE = 20
TYPE_CHOICES = StatementType.choices


def _page(
    request: HttpRequest,
    queryset: QuerySet,
    per_page: int = PAGE_SIZE,
    *,
    paginator_class: type[Paginator] = Paginator,
) -> Page:
    """One page of ``queryset``; a bad or too-large page number gives the last page."""
    return paginator_class(queryset, per_page).get_page(request.GET.get("page"))


# Below this many rows an exact COUNT(*) is cheap enough to keep.
ESTIMATE_FROM = 50_000


class EstimatedCountPaginator(Paginator):
    """Pages of the whole statements table, counted by PostgreSQL's estimate when large.

    Why: Django's ``Paginator`` counts the table on every page, 350-420 ms at 1M rows
    (docs/benchmarks.md, finding 5). The page says "about N" when ``estimated``; small
    tables and other databases keep the exact count. The estimate changes when PostgreSQL
    analyzes the table, so it is kept a minute like the pickers: a round trip less.
    """

    estimated = False

    @cached_property
    def count(self) -> int:
        estimate = _cached("kb:html:statement-estimate", selectors.statement_count_estimate)
        if estimate is not None and estimate >= ESTIMATE_FROM:
            self.estimated = True
            return estimate
        return super().count


def _visible_statements(request: HttpRequest) -> StatementQuerySet:
    """The statements this reader may see: public ones, and rejected ones too for an
    editor who asks for them (``?review_status=rejected``)."""
    return Statement.objects.visible_to(
        request.user, review_status=request.GET.get("review_status")
    )


def _events(events: list[dict], *, dated: bool) -> dict:
    """The newest events, and whether there are more than the page lists."""
    more = len(events) > selectors.EVENTS_SHOWN
    events = events[: selectors.EVENTS_SHOWN]
    return {
        "events": events,
        "more_events": more,
        "events_html": actor_html.events_html(events, more=more, dated=dated),
    }


def _type_rows(counts: dict[str, int]) -> list[tuple[str, str, int]]:
    """``(value, label, count)`` for every type that has statements, in vocabulary order."""
    return [(value, label, counts[value]) for value, label in TYPE_CHOICES if counts.get(value)]


@functools.lru_cache(maxsize=512)
def _charts(
    centre: GraphNode,
    timeline_rows: tuple[tuple, ...],
    by_day: bool,
    targets: tuple[charts.TalkRow, ...],
    speakers: tuple[charts.TalkRow, ...],
) -> dict:
    """The timeline, the who-talks-about-whom graph and the talk lists of a person or
    organisation, as HTML.

    Kept per process by their inputs (the summary rows read on every request): drawing
    them is a pure function of those rows, and redrawing the same charts on every view of
    a much-visited actor was a large part of the page's time. A change to the summaries
    gives different rows, so the page is never stale.
    """
    buckets = timeline_buckets(timeline_rows, by_day=by_day)
    nodes, edges = charts.talk_graph(centre, targets, speakers)
    charted = {statement_type for day, statement_type, n in timeline_rows if day and n}
    legend = legend_html([(v, label) for v, label in TYPE_CHOICES if v in charted])
    timeline = timeline_svg(buckets, title=f"Statements by {centre.name} over time")
    graph = talk_graph_svg(
        centre, nodes, edges, title=f"Who {centre.name} talks about, and who talks about them"
    )
    return {
        "timeline_buckets": buckets,
        "charts_html": actor_html.charts_html(timeline, legend, buckets, graph),
        "talk_html": actor_html.talk_lists_html(targets, speakers),
    }


def _summary_context(centre: GraphNode, subject: selectors.Subject, own: selectors.Subject) -> dict:
    """An actor page's counts, lists and charts, read from the summaries of ``subject``
    (no cache: they are exact as soon as a change commits); ``own``: whom statements are
    about."""
    summary = selectors.statement_summary(subject)
    targets = charts.summary_talk_targets(subject)
    speakers = charts.summary_talk_speakers(own)
    return {
        "statement_count": summary.statement_count,
        "type_rows": _type_rows(summary.type_counts),
        "targets": targets,
        "speakers": speakers,
        **_charts(
            centre,
            tuple(summary.timeline_rows),
            summary.timeline_by_day,
            tuple(targets),
            tuple(speakers),
        ),
    }


def _speaker_choices() -> list[tuple[str, str]]:
    return _cached("kb:html:speaker-choices", selectors.speaker_choices)


def _organisation_choices() -> list[tuple[str, str]]:
    return _cached("kb:html:organisation-choices", selectors.organisation_choices)


def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "statements/home.html",
        {
            "counts": _cached("kb:html:site-counts", selectors.site_counts),
            "latest": selectors.statement_public_qs().order_by("-id")[:8],
            "people": _cached("kb:html:people-most-quoted", selectors.person_most_quoted),
            "organisations": _cached(
                "kb:html:organisations-most-quoted", selectors.organisation_most_quoted
            ),
            "quotes": _cached("kb:html:quotes-most-repeated", selectors.quote_most_repeated),
        },
    )


# --- lists -----------------------------------------------------------------------------


def statement_list(request: HttpRequest) -> HttpResponse:
    statements = selectors.statement_public_qs(_visible_statements(request)).order_by(
        *selectors.NEWEST_FIRST
    )
    filterset = StatementFilterSet(request.GET, queryset=statements)
    filtered = any(value for key, value in request.GET.items() if key != "page")
    paginator_class = Paginator if filtered else EstimatedCountPaginator
    rows = selectors.statement_item_rows(filterset.qs)
    return render(
        request,
        "statements/statement_list.html",
        {
            "filterset": filterset,
            "page": _page(request, rows, paginator_class=paginator_class),
            "type_choices": TYPE_CHOICES,
            "kind_choices": StatementKind.choices,
            "speaker_choices": _speaker_choices(),
            "organisation_choices": _organisation_choices(),
        },
    )


def person_list(request: HttpRequest) -> HttpResponse:
    people = selectors.person_list_qs()
    order = request.GET.get("order", "name")
    people = people.order_by("-statement_count", "name") if order == "statements" else people
    filterset = PersonFilterSet(request.GET, queryset=people)
    return render(
        request,
        "statements/person_list.html",
        {
            "filterset": filterset,
            "page": _page(request, filterset.qs),
            "order": order,
            "classification_choices": OrganisationClassification.choices,
            "organisation_choices": _organisation_choices(),
        },
    )


def organisation_list(request: HttpRequest) -> HttpResponse:
    organisations = selectors.organisation_list_qs()
    order = request.GET.get("order", "name")
    if order == "statements":
        organisations = organisations.order_by("-statement_count", "name")
    filterset = OrganisationFilterSet(request.GET, queryset=organisations)
    return render(
        request,
        "statements/organisation_list.html",
        {
            "filterset": filterset,
            "page": _page(request, filterset.qs),
            "order": order,
            "classification_choices": OrganisationClassification.choices,
        },
    )


def event_list(request: HttpRequest) -> HttpResponse:
    filterset = EventFilterSet(request.GET, queryset=selectors.event_list_qs())
    return render(
        request,
        "statements/event_list.html",
        {
            "filterset": filterset,
            "page": _page(request, filterset.qs),
            "classification_choices": EventClassification.choices,
        },
    )


def quote_list(request: HttpRequest) -> HttpResponse:
    quotes = selectors.quote_list_api().order_by("-outlet_count", "-document_count", "-id")
    filterset = QuoteFilterSet(request.GET, queryset=quotes)
    return render(
        request,
        "statements/quote_list.html",
        {"filterset": filterset, "page": _page(request, filterset.qs)},
    )


def document_list(request: HttpRequest) -> HttpResponse:
    filterset = DocumentFilterSet(request.GET, queryset=selectors.document_list_qs())
    return render(
        request,
        "statements/document_list.html",
        {"filterset": filterset, "page": _page(request, filterset.qs)},
    )


class SampleCountPaginator(Paginator):
    """Pages whose count is the search facets' sample's: exact up to its size, else that
    size, so the pages stop there ("more than N"; a type, speaker or dates reach the rest).

    Why: counting every match of a common word reads every match (8,907 rows for a word
    in 0.9% of a million statements), while a page of them, newest first, stops after 20.
    """

    def __init__(self, object_list, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self.sample_count = count

    @cached_property
    def count(self) -> int:
        return self.sample_count


def _search_page(request: HttpRequest, statements: QuerySet, facets: dict) -> Page:
    """A page of the matches, newest first, read as the rows a statement list draws.

    Up to the facets' sample, the sample is every match, sorted already: the page's rows
    are read by id. Past it, one query reads the page from the match ordered newest first:
    PostgreSQL walks the newest-first index testing each row's stored vector and stops
    after the page, which for a word this common is a few thousand rows at any size.
    """
    page_number = request.GET.get("page")
    if facets["truncated"]:
        rows = selectors.statement_item_rows(statements.order_by(*selectors.NEWEST_FIRST))
        paginator = SampleCountPaginator(rows, SEARCH_PAGE_SIZE, count=facets["sample"])
        return paginator.get_page(page_number)
    page = Paginator(facets["ids"], SEARCH_PAGE_SIZE).get_page(page_number)
    by_id = _visible_statements(request).filter(pk__in=list(page.object_list))
    rows = {row["id"]: row for row in selectors.statement_item_rows(by_id)}
    page.object_list = [rows[pk] for pk in page.object_list if pk in rows]
    return page


def search(request: HttpRequest) -> HttpResponse:
    """One box over statements, people, organisations and documents, with facets."""
    query = request.GET.get("q", "").strip()
    statements = SearchPageFilterSet(request.GET, queryset=_visible_statements(request))
    facets = charts.statement_facets(statements.qs)
    context: dict = {
        "query": query,
        "filterset": statements,
        "page": _search_page(request, statements.qs, facets),
        "facets": facets,
        "type_choices": TYPE_CHOICES,
    }
    if query:
        context.update(_search_hits(query))
    return render(request, "statements/search.html", context)


SEARCH_HITS = 10


def _search_hits(query: str) -> dict:
    """The people and organisations named like ``query`` (most quoted first) and the
    documents whose titles match it, as the lists' filters find them, with only the
    columns the search page shows (the lists' querysets also prefetch roles and aliases)."""
    people = actor_name_filter(
        Person.objects.live().with_statement_count().only("name", "slug"),
        query,
        alias_owner="person",
    )
    organisations = actor_name_filter(
        Organisation.objects.live().with_statement_count().only("name", "slug"),
        query,
        alias_owner="organisation",
    )
    documents = document_search(
        Document.objects.only("title", "lead").order_by(
            F("published_at").desc(nulls_last=True), "-id"
        ),
        query,
    )
    return {
        "people": people.order_by("-statement_count", "name")[:SEARCH_HITS],
        "organisations": organisations.order_by("-statement_count", "name")[:SEARCH_HITS],
        "documents": documents[:SEARCH_HITS],
    }


# --- detail pages ----------------------------------------------------------------------


def person_detail(request: HttpRequest, slug: str) -> HttpResponse:
    person = selectors.person_page_row(slug)
    if person is None:
        raise Http404("No person with this address.")
    if person["merged_into_id"]:
        return redirect(get_object_or_404(Person, pk=person["id"]).resolve(), permanent=True)
    pk = person["id"]
    url = page_url("statements:person-detail", slug)
    centre = GraphNode(f"p:{slug}", person["name"], url, "person")
    subject = ("p", pk)
    summary = _summary_context(centre, subject, subject)
    statement_count = summary["statement_count"]
    about = selectors.actor_about_rows("p", pk)
    quotes = selectors.quote_rows_most_repeated(speaker_person_id=pk)
    context = {
        **summary,
        **_events(selectors.person_events(pk, statement_count=statement_count), dated=True),
        "about": about,
        "aliases_html": actor_html.aliases_html(person["aliases"]),
        "roles_html": actor_html.person_roles_html(person["roles"], person["name"]),
        "quotes": quotes,
        "quotes_html": actor_html.quote_items_html(quotes),
    }
    return _actor_render(
        request, "person", person, lambda: selectors.person_statements(pk), context
    )


def _actor_render(
    request: HttpRequest,
    kind: str,
    actor: dict,
    statements: Callable[[], QuerySet],
    context: dict,
) -> HttpResponse:
    """A person or organisation page: its summary and a page of its ``statements()``,
    filtered by the query string.

    Only the filters the query string names are built (``filterset_narrowed``), none on an
    unfiltered page: a FilterSet deep-copies and validates every filter it holds.
    """
    named = filters_named(request.GET, StatementFilterSet)
    filterset = None
    if named:
        filterset = filterset_narrowed(StatementFilterSet, named)(
            request.GET, queryset=statements()
        )
        page = _page(request, selectors.statement_item_rows(filterset.qs), per_page=20)
    else:
        page = _actor_page(request, kind, actor["id"], statements, context["statement_count"])
    query = request.GET.copy()
    selected = query.pop("type", [""])[-1]
    query.pop("page", None)
    return render(
        request,
        f"statements/{kind}_detail.html",
        {
            **context,
            kind: actor,
            "filterset": filterset,
            "page": page,
            "type_choices": TYPE_CHOICES,
            "type_filter_html": actor_html.type_filter_html(
                context["type_rows"], query.urlencode(), selected
            ),
        },
    )


def _actor_page(
    request: HttpRequest, kind: str, pk: int, statements: Callable[[], QuerySet], count: int
) -> Page:
    """A page of an actor's statements, unfiltered, counted by the summary (no COUNT(*) of
    every statement). The first page, the one nearly every visit shows, is one prepared
    query (``selectors.actor_first_page_rows``)."""
    number = request.GET.get("page")
    if number in (None, "", "1"):
        rows = selectors.actor_first_page_rows(kind[0], pk)
        paginator = Paginator(rows, selectors.ACTOR_PAGE_SIZE)
        paginator.count = count  # replaces the cached property
        return paginator.page(1)
    paginator = Paginator(selectors.statement_item_rows(statements()), selectors.ACTOR_PAGE_SIZE)
    paginator.count = count
    return paginator.get_page(number)


def organisation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = selectors.organisation_page_row(slug)
    if organisation is None:
        raise Http404("No organisation with this address.")
    pk = organisation["id"]
    if organisation["merged_into_id"]:
        return redirect(get_object_or_404(Organisation, pk=pk).resolve(), permanent=True)
    name = organisation["name"]
    url = page_url("statements:organisation-detail", slug)
    centre = GraphNode(f"o:{slug}", name, url, "organisation")
    own = ("o", pk)
    # Its own statements and those of everyone holding (or having held) a role in it: its
    # members' summary, kept as data (adding up thousands of members' rows on every view
    # was most of a national government's page).
    summary = _summary_context(centre, ("m", pk), own)
    own_count = selectors.statement_total(own)
    # A national government has thousands of roles: the page lists the first ones and
    # links to the people list filtered by the organisation for the rest.
    roles, role_total = selectors.organisation_roles(pk)
    organisation["classification_label"] = (
        CLASSIFICATION_LABELS.get(organisation["classification"]) or "organisation"
    )
    context = {
        **summary,
        "roles": roles,
        "role_total": role_total,
        "roles_html": actor_html.organisation_roles_html(roles, name),
        "own_count": own_count,
        **_events(selectors.organisation_events(pk, statement_count=own_count), dated=False),
        "about": selectors.actor_about_rows("o", pk),
        "aliases_html": actor_html.aliases_html(organisation["aliases"]),
        "units_html": actor_html.units_html(organisation["units"]),
    }
    count = summary["statement_count"]
    return _actor_render(
        request,
        "organisation",
        organisation,
        lambda: selectors.organisation_statements(pk, statement_count=count),
        context,
    )


CLASSIFICATION_LABELS = dict(OrganisationClassification.choices)


def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.event_get(pk)
    if event is None:
        raise Http404("No event with this number.")
    statements = selectors.statement_public_qs().filter(event=event).order_by("content_start")
    return render(
        request, "statements/event_detail.html", {"event": event, "statements": statements}
    )


def statement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    statement = selectors.statement_get(pk, statements=_visible_statements(request))
    if statement is None:
        removed = selectors.removed_statement_get(pk)
        if removed is None:
            raise Http404("No statement with this number.")
        # Gone, not missing: re-reading its document no longer finds it; say where it was.
        context = {"removed": removed, "document": removed.document}
        return render(request, "statements/statement_gone.html", context, status=410)
    start, end = selectors.paragraph_bounds(statement)
    return render(
        request,
        "statements/statement_detail.html",
        {
            "statement": statement,
            "mentions": selectors.document_mentions(statement.document, start=start, end=end),
            "same_quote": selectors.statement_same_quote(statement),
        },
    )


def quote_detail(request: HttpRequest, pk: int) -> HttpResponse:
    quote = selectors.quote_get(pk)
    if quote is None:
        raise Http404("No quote with this number.")
    days = selectors.quote_spread(quote)
    return render(
        request,
        "statements/quote_detail.html",
        {
            "quote": quote,
            "days": days,
            "spread": spread_svg(days, title="Documents carrying the quote, by day"),
        },
    )


def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.document_get(pk)
    if document is None:
        raise Http404("No document with this number.")
    statements = selectors.document_statements(document)
    type_counts: dict[str, int] = {}
    for statement in statements:
        type_counts[statement.statement_type] = type_counts.get(statement.statement_type, 0) + 1
    return render(
        request,
        "statements/document_detail.html",
        {
            "document": document,
            "statements": statements,
            "mentions": selectors.document_mentions(document),
            "events": selectors.document_events(document),
            "type_rows": _type_rows(type_counts),
            "legend": legend_html(
                [(v, f"{label} ({n})") for v, label, n in _type_rows(type_counts)]
            ),
        },
    )
