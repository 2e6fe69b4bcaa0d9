"""django-filter FilterSets shared by the REST API and the HTML views.

Each FilterSet works on a plain queryset and a GET dict::

    StatementFilterSet(request.GET, queryset=selectors.statement_list_api()).qs

Filters that cross a to-many relation (aliases, memberships, targets) use ``id__in``
subqueries rather than joins, so they never duplicate rows or inflate the counts the
selectors annotate.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from drf_spectacular.utils import extend_schema_field

from statements import search
from statements.models import (
    Document,
    Event,
    EventClassification,
    EventParticipant,
    Membership,
    MembershipStatus,
    Organisation,
    OrganisationClassification,
    OtherName,
    Person,
    Quote,
    ReviewStatus,
    Statement,
    StatementKind,
    StatementTarget,
    StatementType,
)
from statements.naming import name_key

# Ids are 64-bit on every backend; a larger number must be a 400, not a driver overflow.
MAX_ID = 2**63 - 1


class IdField(forms.IntegerField):
    """A positive database id: out-of-range numbers fail validation instead of the query."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class IdFilter(django_filters.NumberFilter):
    """An id filter: documented as a positive integer in the OpenAPI schema."""

    field_class = IdField

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
        if self.extra.get("help_text"):
            schema["description"] = self.extra["help_text"]
        extend_schema_field(schema)(self)


def _actor_lookup(value: str) -> Q:
    """A person or organisation given by slug or by numeric id."""
    value = value.strip()
    if value.isascii() and value.isdigit():
        number = int(value)
        return Q(pk=number) if number <= MAX_ID else Q(pk__in=[])
    return Q(slug=value)


def _actor_ids(model: type[Person] | type[Organisation], value: str) -> QuerySet:
    """Ids of the actor ``value`` names, or of its survivor if it was merged.

    A merged record's statements moved to the survivor, so a filter written with an old
    slug (a bookmarked URL) keeps finding them.
    """
    named = model.objects.filter(_actor_lookup(value))
    survivors = named.filter(merged_into__isnull=False).values("merged_into")
    return model.objects.filter(Q(pk__in=named.values("pk")) | Q(pk__in=survivors)).values("pk")


def _person_ids(value: str) -> QuerySet:
    return _actor_ids(Person, value)


def _organisation_ids(value: str) -> QuerySet:
    return _actor_ids(Organisation, value)


def _actor_id(model: type[Person] | type[Organisation], value: str) -> Subquery:
    """The one id ``value`` names (its survivor's if merged), as a scalar subquery.

    ``col = (SELECT ... LIMIT 1)`` rather than ``col IN (SELECT ...)``: with ``IN`` the
    PostgreSQL planner assumes an average actor, joins every statement of a frequent
    speaker and sorts them (1.7 s at 1M statements); with a scalar it walks the actor's
    index in page order and stops after one page (docs/benchmarks.md, finding 3). Slugs
    and ids are unique and merges keep chains one level deep, so one row is the answer;
    no actor gives NULL, which matches nothing, as before.
    """
    named = model.objects.filter(_actor_lookup(value))
    return Subquery(
        named.annotate(actor_id=Coalesce(F("merged_into"), F("pk"))).values("actor_id")[:1]
    )


def _resolved_id(model: type[Person] | type[Organisation], value: str) -> int | None:
    """The one id ``value`` names (its survivor's if merged), or None."""
    return (
        model.objects.filter(_actor_lookup(value))
        .annotate(actor_id=Coalesce(F("merged_into"), F("pk")))
        .values_list("actor_id", flat=True)
        .first()
    )


def _person_id(value: str) -> Subquery:
    return _actor_id(Person, value)


def _organisation_id(value: str) -> Subquery:
    return _actor_id(Organisation, value)


def actor_name_filter(queryset: QuerySet, value: str, *, alias_owner: str) -> QuerySet:
    """Actors whose name or an alias contains ``value``, ignoring case and accents.

    The query is folded with ``name_key`` exactly as stored names are, so "Khazali",
    "khazālī" and "KHAZALI" find the same person.
    """
    key = name_key(value)
    if not key:
        return queryset
    # One set of ids from two index lookups (trigram indexes on PostgreSQL, migration
    # 0017): under ``name LIKE ... OR pk IN (aliases)`` PostgreSQL scanned every actor.
    named = queryset.model.objects.filter(name_key__contains=key).order_by().values("pk")
    aliased = OtherName.objects.filter(name_key__contains=key).order_by().values(alias_owner)
    return queryset.filter(pk__in=named.union(aliased))


@functools.cache
def filter_params(filterset_class: type[django_filters.FilterSet]) -> dict[str, tuple[str, ...]]:
    """Each filter's query-string names (a range filter reads ``<name>_<suffix>`` too)."""
    params = {}
    for name, filter_ in filterset_class.base_filters.items():
        suffixes = getattr(filter_.field_class.widget, "suffixes", None) or ()
        params[name] = (name, *(f"{name}_{suffix}" for suffix in suffixes if suffix))
    return params


def filters_named(params: Mapping[str, str], filterset_class) -> frozenset[str]:
    """The filters ``params`` (a query string) gives a value to."""
    return frozenset(
        name
        for name, names in filter_params(filterset_class).items()
        if any(params.get(param) for param in names)
    )


def names_a_filter(params: Mapping[str, str], filterset_class) -> bool:
    """Whether ``params`` (a query string) gives a value to any filter of the filterset."""
    return bool(filters_named(params, filterset_class))


@functools.lru_cache(maxsize=256)
def filterset_narrowed(filterset_class, names: frozenset[str]):
    """A subclass of ``filterset_class`` with only the filters ``names``.

    Why: a FilterSet deep-copies every filter and builds a form field for each on every
    request; a statement list filtered by one of fourteen filters needs one. Filters not
    named in the query string have no value, so leaving them out changes no result and no
    validation error.
    """
    narrowed = type(filterset_class.__name__, (filterset_class,), {"__module__": __name__})
    narrowed.base_filters = {
        name: filter_ for name, filter_ in filterset_class.base_filters.items() if name in names
    }
    return narrowed


class StatementFilterSet(django_filters.FilterSet):
    """Statements by speaker, organisation, target, type, kind, event, document, publisher,
    dates, review status and words.

    The form class is built once per process: django-filter builds a new one, with fresh
    copies of every field, for each FilterSet instance, which was a tenth of the statement
    list's rendering. Every filter here is static (no choices or querysets that depend on
    the request), so one class serves every request; each form still copies its fields.
    """

    _form_class: type[forms.Form] | None = None

    def get_form_class(self) -> type[forms.Form]:
        form_class = type(self).__dict__.get("_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            type(self)._form_class = form_class
        return form_class

    speaker = django_filters.CharFilter(
        method="filter_speaker",
        label="Speaker",
        help_text="The person who spoke: slug or numeric id.",
    )
    speaker_organisation = django_filters.CharFilter(
        method="filter_speaker_organisation",
        label="Speaking organisation",
        help_text="The organisation that spoke as such: slug or numeric id.",
    )
    organisation = django_filters.CharFilter(
        method="filter_organisation",
        label="Organisation",
        help_text="Statements by the organisation itself or by a person holding a role in it "
        "(any membership): slug or numeric id.",
    )
    target = django_filters.CharFilter(
        method="filter_target",
        label="Target",
        help_text="A person or organisation the statement is about or addressed to: slug.",
    )
    type = django_filters.ChoiceFilter(
        field_name="statement_type",
        choices=StatementType.choices,
        label="Type",
        help_text="Statement type (our speech-act vocabulary).",
    )
    kind = django_filters.ChoiceFilter(
        choices=StatementKind.choices, help_text="direct, indirect or mixed speech."
    )
    event = IdFilter(field_name="event_id", label="Event", help_text="Event id.")
    document = IdFilter(field_name="document_id", label="Document", help_text="Document id.")
    publisher = django_filters.CharFilter(
        field_name="document__publisher",
        lookup_expr="iexact",
        label="Publisher",
        help_text="The document's publisher, exact but case-insensitive.",
    )
    date = django_filters.DateFromToRangeFilter(
        label="Date",
        help_text="date_after / date_before: YYYY-MM-DD bounds, both inclusive.",
    )
    review_status = django_filters.ChoiceFilter(
        choices=ReviewStatus.choices,
        help_text="Review status. Rejected statements are left out for everyone but editors "
        "(logged in with the permission to change statements) who ask for "
        "review_status=rejected.",
    )
    q = django_filters.CharFilter(
        method="filter_search",
        label="Search",
        help_text="Full-text search over what was said and who said it: every word, "
        '"exact phrases", -excluded, prefix*. Results come newest first; add '
        "ordering=relevance for best match first (PostgreSQL).",
    )

    class Meta:
        model = Statement
        fields: list[str] = []

    # The speaker filters resolve the id first (one indexed lookup) and filter on the
    # literal: PostgreSQL then plans with the speaker's real frequency. With a subquery it
    # assumes an average speaker and sorts every statement of a frequent one (60-160 ms
    # at 100k statements against 0.7 ms with the literal).
    def filter_speaker(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        actor_id = _resolved_id(Person, value)
        return queryset.none() if actor_id is None else queryset.filter(speaker_person=actor_id)

    def filter_speaker_organisation(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        actor_id = _resolved_id(Organisation, value)
        if actor_id is None:
            return queryset.none()
        return queryset.filter(speaker_organisation=actor_id)

    def filter_organisation(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        members = Membership.objects.filter(organisation=_organisation_id(value)).values("person")
        return queryset.filter(
            Q(speaker_organisation=_organisation_id(value)) | Q(speaker_person__in=members)
        )

    def filter_target(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        targeted = StatementTarget.objects.filter(
            Q(person=_person_id(value)) | Q(organisation=_organisation_id(value))
        ).values("statement")
        return queryset.filter(pk__in=targeted)

    # Whether a search first reads up to a thousand matching ids to choose its plan
    # (``search.statement_search``): worth it for an ordered list, not for a caller that
    # reads that sample itself (``SearchPageFilterSet``).
    search_probe = True

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return search.statement_search(queryset, value, probe=self.search_probe)


class SearchPageFilterSet(StatementFilterSet):
    """The statement filters of the search page, which reads a sample of up to a thousand
    matches for its facets and count anyway (``charts.statement_facets``) and pages them by
    id when there are no more: the search's own probe of the same matches was a third of
    the page's database time."""

    search_probe = False


class PersonFilterSet(django_filters.FilterSet):
    name = django_filters.CharFilter(
        method="filter_name",
        label="Name",
        help_text="Part of the name or of an alias; case- and accent-insensitive.",
    )
    q = django_filters.CharFilter(method="filter_name", label="Search", help_text="Same as name.")
    organisation = django_filters.CharFilter(
        method="filter_organisation",
        label="Organisation",
        help_text="People holding a role in this organisation: slug or numeric id.",
    )
    classification = django_filters.ChoiceFilter(
        choices=OrganisationClassification.choices,
        method="filter_classification",
        help_text="People holding a role in an organisation of this classification.",
    )
    country = django_filters.CharFilter(
        method="filter_country",
        help_text="People holding a role in an organisation of this country (ISO alpha-3).",
    )
    wikidata_qid = django_filters.CharFilter(help_text="Wikidata item, e.g. Q42.")

    class Meta:
        model = Person
        fields: list[str] = []

    def filter_name(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return actor_name_filter(queryset, value, alias_owner="person")

    def _members_of(self, queryset: QuerySet, organisations: QuerySet) -> QuerySet:
        members = Membership.objects.filter(organisation__in=organisations).values("person")
        return queryset.filter(pk__in=members)

    def filter_organisation(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return self._members_of(queryset, _organisation_ids(value))

    def filter_classification(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return self._members_of(
            queryset, Organisation.objects.filter(classification=value).values("pk")
        )

    def filter_country(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return self._members_of(
            queryset, Organisation.objects.filter(country__iexact=value.strip()).values("pk")
        )


class OrganisationFilterSet(django_filters.FilterSet):
    name = django_filters.CharFilter(
        method="filter_name",
        label="Name",
        help_text='Part of the name or of an alias ("KRI"); case- and accent-insensitive.',
    )
    q = django_filters.CharFilter(method="filter_name", label="Search", help_text="Same as name.")
    classification = django_filters.ChoiceFilter(
        choices=OrganisationClassification.choices, help_text="What kind of organisation."
    )
    country = django_filters.CharFilter(
        lookup_expr="iexact", help_text="ISO 3166 alpha-3 code, e.g. IRQ."
    )
    parent = django_filters.CharFilter(
        method="filter_parent", help_text="Units of this organisation: slug or numeric id."
    )
    wikidata_qid = django_filters.CharFilter(help_text="Wikidata item, e.g. Q42.")

    class Meta:
        model = Organisation
        fields: list[str] = []

    def filter_name(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return actor_name_filter(queryset, value, alias_owner="organisation")

    def filter_parent(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(parent__in=_organisation_ids(value))


class MembershipFilterSet(django_filters.FilterSet):
    person = django_filters.CharFilter(
        method="filter_person", help_text="The person: slug or numeric id."
    )
    organisation = django_filters.CharFilter(
        method="filter_organisation", help_text="The organisation: slug or numeric id."
    )
    role = django_filters.CharFilter(
        lookup_expr="icontains", help_text="Part of the role, case-insensitive."
    )
    status = django_filters.ChoiceFilter(
        choices=MembershipStatus.choices, help_text="current or former."
    )
    document = IdFilter(field_name="document_id", help_text="The document the role was read from.")

    class Meta:
        model = Membership
        fields: list[str] = []

    def filter_person(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(person__in=_person_ids(value))

    def filter_organisation(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(organisation__in=_organisation_ids(value))


class EventFilterSet(django_filters.FilterSet):
    name = django_filters.CharFilter(
        lookup_expr="icontains", help_text="Part of the event name, case-insensitive."
    )
    classification = django_filters.ChoiceFilter(
        choices=EventClassification.choices, help_text="What kind of event."
    )
    document = IdFilter(field_name="document_id", help_text="Document id.")
    participant = django_filters.CharFilter(
        method="filter_participant",
        help_text="A person or organisation that took part: slug.",
    )
    date = django_filters.DateFromToRangeFilter(
        help_text="date_after / date_before: YYYY-MM-DD bounds, both inclusive."
    )

    class Meta:
        model = Event
        fields: list[str] = []

    def filter_participant(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        took_part = EventParticipant.objects.filter(
            Q(person__in=_person_ids(value)) | Q(organisation__in=_organisation_ids(value))
        ).values("event")
        return queryset.filter(pk__in=took_part)


class DocumentFilterSet(django_filters.FilterSet):
    publisher = django_filters.CharFilter(
        lookup_expr="iexact", help_text="Publisher, exact but case-insensitive."
    )
    published = django_filters.DateFromToRangeFilter(
        field_name="published_at",
        help_text="published_after / published_before: YYYY-MM-DD bounds, both inclusive.",
    )
    language = django_filters.CharFilter(help_text="ISO 639-1 code.")
    q = django_filters.CharFilter(
        method="filter_search",
        label="Search",
        help_text='Full-text search over titles: every word, "exact phrases", -excluded, prefix*.',
    )

    class Meta:
        model = Document
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return search.document_search(queryset, value)


class QuoteFilterSet(django_filters.FilterSet):
    speaker = django_filters.CharFilter(
        method="filter_speaker",
        label="Speaker",
        help_text="The quote's speaker (the record most of its reports name): a person's or "
        "an organisation's slug, or a person's numeric id.",
    )
    outlet = django_filters.CharFilter(
        method="filter_outlet",
        label="Outlet",
        help_text="Quotes this publisher carried, exact but case-insensitive.",
    )
    date = django_filters.DateFromToRangeFilter(
        field_name="first_reported",
        label="First reported",
        help_text="date_after / date_before: bounds of the first report's date, inclusive.",
    )
    min_outlets = django_filters.NumberFilter(
        field_name="outlet_count",
        lookup_expr="gte",
        min_value=0,
        label="Minimum outlets",
        help_text="Quotes carried by at least this many publishers.",
    )
    conflicting = django_filters.BooleanFilter(
        label="Conflicting",
        help_text="true: quotes whose reports name different speakers; false: the others.",
    )

    class Meta:
        model = Quote
        fields: list[str] = []

    def filter_speaker(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        person_id = _resolved_id(Person, value)
        if person_id is not None:
            return queryset.filter(speaker_person=person_id)
        organisation_id = _resolved_id(Organisation, value)
        if organisation_id is not None:
            return queryset.filter(speaker_organisation=organisation_id)
        return queryset.none()

    def filter_outlet(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        carried = Statement.objects.public().filter(
            quote=OuterRef("pk"), document__publisher__iexact=value.strip()
        )
        return queryset.filter(Exists(carried))
