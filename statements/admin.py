"""The Django admin as the editors' tool: review, correct and merge what the machine extracted.

Actions and save hooks stay thin: they call the services in ``statements/services``
(review, merge, ingest), which own the rules. Every page that shows article text escapes
it and builds the highlighting with ``format_html``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import models as django_models
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

from statements import models
from statements.highlight import Span, spans_render, statement_fragments
from statements.naming import name_key
from statements.selectors.ingest_runs import ingest_run_progress
from statements.services.ingest_queue import BrokerUnavailable, broker_configured
from statements.services.merge import MergeError, organisation_merge, person_merge
from statements.services.quotes import statements_quote
from statements.services.reextract import documents_reextract, documents_reextract_enqueue
from statements.services.relink import statements_relink
from statements.services.review import (
    QuoteSettleError,
    quote_settle,
    statement_edit_note,
    statement_mark_edited,
    statements_review,
)
from statements.services.summaries import summaries_follow, summaries_follow_created

admin.site.site_header = "kb: review and correct"
admin.site.site_title = "kb admin"
admin.site.index_title = "Review what the machine extracted"


def _ids(pks) -> list[int]:
    return [int(pk) for pk in pks if str(pk).isdigit()]


class SummaryFollowMixin:
    """Keeps the summaries exact across the admin's own saves and deletes (a form and its
    inline rows, a delete that empties a speaker, a document or an event): the statements
    each one may change (``summary_scope``) are followed in the request's transaction."""

    follow_changes = False  # the change form itself edits statements or their targets

    def summary_scope(self, pks: list[int]) -> dict:
        return {}

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if not self.follow_changes or request.method != "POST":
            return super().changeform_view(request, object_id, form_url, extra_context)
        with summaries_follow(**self.summary_scope(_ids([object_id] if object_id else []))):
            return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_model(self, request, obj) -> None:
        with summaries_follow(**self.summary_scope([obj.pk])):
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        with summaries_follow(**self.summary_scope(list(queryset.values_list("pk", flat=True)))):
            super().delete_queryset(request, queryset)


def _actor_statements_scope(owner: str, pks: list[int]) -> dict:
    statements = models.Statement.objects.filter(
        django_models.Q(**{f"speaker_{owner}__in": pks})
        | django_models.Q(**{f"targets__{owner}__in": pks})
    )
    return {"statement_ids": set(statements.values_list("pk", flat=True))}


# Longest stretch of text the statement page shows around a statement.
SOURCE_CONTEXT_MAX_CHARS = 4000

_MARK_STYLES = {
    "content": "background:#fff3a3;padding:0 1px;",
    "speaker": "background:#cfe8ff;padding:0 1px;",
    "cue": "background:#e6e6e6;padding:0 1px;text-decoration:underline;",
}
_STATUS_STYLES = {
    models.ReviewStatus.AUTO: "background:#fff3a3;",
    models.ReviewStatus.ACCEPTED: "background:#c8f0c8;",
    models.ReviewStatus.EDITED: "background:#cfe8ff;",
    models.ReviewStatus.REJECTED: "background:#f3c6c6;text-decoration:line-through;",
    models.ReviewStatus.NEEDS_REVIEW: "background:#ffd9a8;",
}


# -- text highlighting ---------------------------------------------------------------------


def _mark(start: int, end: int, style: str, title: str, href: str = "") -> list[Span]:
    """A ``<mark>`` over ``[start, end)``, inside a link to ``href`` when there is one."""
    spans = [Span(start, end, "mark", {"style": style, "title": title}, order=1)]
    if href:
        spans.append(Span(start, end, "a", {"href": href, "title": title}, order=0))
    return spans


def _text_highlight(
    text: str, marks: Iterable[Span], *, start: int = 0, end: int = -1
) -> SafeString:
    """``text[start:end]`` escaped, with ``marks`` drawn by the site's span renderer.

    Overlapping marks nest (a speaker inside a quotation stays marked inside it); marks
    outside the window are dropped.
    """
    end = len(text) if end < 0 else end
    body = spans_render(text[start:end], list(marks), base=start)
    return format_html('<div class="kb-source" style="white-space:pre-wrap;">{}</div>', body)


def statement_source_html(statement: models.Statement) -> SafeString:
    """The paragraph(s) a statement came from, with its words, speaker and cue marked."""
    text = statement.document.text
    marks = [
        span
        for s, e in statement_fragments(statement)
        for span in _mark(s, e, _MARK_STYLES["content"], "what was said")
    ]
    if statement.speaker_start is not None and statement.speaker_end is not None:
        marks += _mark(
            statement.speaker_start, statement.speaker_end, _MARK_STYLES["speaker"], "speaker"
        )
    if statement.cue_start is not None and statement.cue_end is not None:
        marks += _mark(statement.cue_start, statement.cue_end, _MARK_STYLES["cue"], "cue")
    lowest = max(0, min(m.start for m in marks))
    highest = min(len(text), max(m.end for m in marks))
    window_start = text.rfind("\n", 0, lowest) + 1
    window_end = text.find("\n", highest)
    window_end = len(text) if window_end < 0 else window_end
    if window_end - window_start > SOURCE_CONTEXT_MAX_CHARS:
        window_start = max(window_start, lowest - SOURCE_CONTEXT_MAX_CHARS // 4)
        window_end = min(window_end, highest + SOURCE_CONTEXT_MAX_CHARS // 4)
    return _text_highlight(text, marks, start=window_start, end=window_end)


def document_text_html(document: models.Document) -> SafeString:
    """The whole article with every statement marked and linked to its admin page."""
    marks = []
    for statement in document.statements.order_by("content_start"):
        href = reverse("admin:statements_statement_change", args=[statement.pk])
        title = (
            f"#{statement.pk} {statement.statement_type}, {statement.get_review_status_display()}"
        )
        style = _STATUS_STYLES.get(statement.review_status, _MARK_STYLES["content"])
        for s, e in statement_fragments(statement):
            marks += _mark(s, e, style, title, href)
    legend = format_html_join(
        " ",
        '<mark style="{}">{}</mark>',
        ((style, models.ReviewStatus(status).label) for status, style in _STATUS_STYLES.items()),
    )
    return format_html(
        '<p class="kb-legend">{}</p>{}', legend, _text_highlight(document.text, marks)
    )


def _inline_changes_describe(formsets) -> str:
    """'added target Turkey; removed target Iran': what the inline rows of a save changed."""
    parts = []
    for formset in formsets:
        label = formset.model._meta.verbose_name
        parts += [f"added {label} {obj}" for obj in formset.new_objects]
        parts += [f"changed {label} {obj}" for obj, _fields in formset.changed_objects]
        parts += [f"removed {label} {obj}" for obj in formset.deleted_objects]
    return "; ".join(parts)


def _admin_link(obj, label: str | None = None) -> str:
    if obj is None:
        return "-"
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, label or str(obj))


class HistoryContextHelper(HistoricalRecordContextHelper):
    """Shows an empty link in a history entry as "–".

    django-simple-history takes a foreign key that was empty for a deleted row, so a first
    review read "Reviewed by: Deleted user (pk=None) -> admin".
    """

    def prepare_delta_change_value(self, change, value):
        if isinstance(value, DeletedObject) and value.pk is None:
            return "–"
        return super().prepare_delta_change_value(change, value)


class HistoryAdmin(SimpleHistoryAdmin):
    """django-simple-history's admin with ``HistoryContextHelper``."""

    def get_historical_record_context_helper(self, request, historical_record):
        return HistoryContextHelper(self.model, historical_record)


# -- inline rows that must stay unique ------------------------------------------------------


class UniqueRowsFormSet(forms.BaseInlineFormSet):
    """Turns the unique constraints Django's form validation cannot see into form errors.

    Django skips a model constraint when one of its fields is not on the form (``name_key``
    is computed in ``save()``) or is the inline's parent key; without this check a duplicate
    row would reach the database and end in a server error.
    """

    # Whether the constraint holds per parent (an alias per person) or table-wide.
    scoped_to_parent = True
    duplicate_message = "This row repeats another one."

    def row_values(self, instance) -> dict | None:
        """The values the constraint makes unique, or None when it does not apply."""
        raise NotImplementedError

    def clean(self) -> None:
        super().clean()
        submitted_pks = [f.instance.pk for f in self.forms if f.instance.pk is not None]
        seen: set[tuple] = set()
        for form in self.forms:
            cleaned = getattr(form, "cleaned_data", None)
            if not cleaned or cleaned.get("DELETE") or form.errors:
                continue
            values = self.row_values(form.instance)
            if values is None:
                continue
            key = tuple(sorted(values.items()))
            if key in seen:
                form.add_error(None, self.duplicate_message)
                continue
            seen.add(key)
            lookup = dict(values)
            if self.scoped_to_parent:
                if self.instance.pk is None:
                    continue  # a new parent has no rows yet
                lookup[self.fk.name] = self.instance.pk
            others = self.model._default_manager.filter(**lookup).exclude(pk__in=submitted_pks)
            if others.exists():
                form.add_error(None, self.duplicate_message)


class AliasFormSet(UniqueRowsFormSet):
    duplicate_message = "This alias is already recorded."

    def row_values(self, instance) -> dict | None:
        return {"name_key": name_key(instance.name)} if instance.name else None


class MembershipFormSet(UniqueRowsFormSet):
    duplicate_message = "This role in this organisation is already recorded."

    def row_values(self, instance) -> dict | None:
        other = "organisation_id" if self.fk.name == "person" else "person_id"
        return {other: getattr(instance, other), "role": instance.role}


class IdentifierFormSet(UniqueRowsFormSet):
    scoped_to_parent = False
    duplicate_message = "This identifier is already recorded (here or on another record)."

    def row_values(self, instance) -> dict | None:
        return {"scheme": instance.scheme, "identifier": instance.identifier}


class ActorLinkFormSet(UniqueRowsFormSet):
    """Statement targets and event participants: one actor each, each actor once."""

    duplicate_message = "This actor is already listed."

    def row_values(self, instance) -> dict | None:
        if instance.person_id and instance.organisation_id:
            raise forms.ValidationError("Each row names a person or an organisation, not both.")
        if instance.person_id:
            return {"person_id": instance.person_id}
        if instance.organisation_id:
            return {"organisation_id": instance.organisation_id}
        raise forms.ValidationError("Each row needs a person or an organisation.")


# -- statements -----------------------------------------------------------------------------


class StatementTargetInline(admin.TabularInline):
    model = models.StatementTarget
    formset = ActorLinkFormSet
    extra = 0
    autocomplete_fields = ["person", "organisation"]
    verbose_name = "target"
    verbose_name_plural = "targets (who the statement is about or addressed to)"


class LinkConfidenceFilter(admin.SimpleListFilter):
    """Statements whose speaker link an editor should check: a surname resolved with low
    confidence, or a named speaker left without a record."""

    title = "speaker link"
    parameter_name = "link"

    def lookups(self, request, model_admin):
        below = settings.KB_LINK_REVIEW_BELOW
        return [
            ("low", f"low confidence (below {below:g})"),
            ("unlinked", "speaker named, no record"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "low":
            return queryset.filter(
                speaker_link_confidence__lt=settings.KB_LINK_REVIEW_BELOW
            ).order_by("speaker_link_confidence", "-id")
        if self.value() == "unlinked":
            return queryset.filter(
                speaker_person__isnull=True, speaker_organisation__isnull=True
            ).exclude(speaker_text="")
        return queryset


class LikelyDuplicateFilter(admin.SimpleListFilter):
    """People who may be one person: live records sharing a surname (candidates to merge)."""

    title = "likely duplicates"
    parameter_name = "duplicates"

    def lookups(self, request, model_admin):
        return [("surname", "shares a surname with another record")]

    def queryset(self, request, queryset):
        if self.value() != "surname":
            return queryset
        shared = (
            models.Person.objects.filter(merged_into__isnull=True)
            .exclude(surname_key="")
            .values("surname_key")
            .annotate(records=Count("pk"))
            .filter(records__gt=1)
            .values("surname_key")
        )
        return queryset.filter(surname_key__in=shared, merged_into__isnull=True).order_by(
            "surname_key", "name"
        )


class StatementAdminForm(forms.ModelForm):
    class Meta:
        model = models.Statement
        # The admin narrows this to its fieldsets.
        fields = "__all__"  # noqa: DJ007
        help_texts = {
            "membership": "One of the speaker's roles. When you change the speaker, this "
            "link moves to the new speaker's role of the same name, or is cleared.",
        }

    def clean_review_status(self) -> str:
        status = self.cleaned_data["review_status"]
        if status == models.ReviewStatus.AUTO and "review_status" in self.changed_data:
            raise forms.ValidationError("Only the extractor sets this status; pick a review.")
        return status

    # Set by ``clean`` when the role link had to follow a new speaker; the admin says so.
    role_link_note = ""

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("speaker_person") and cleaned.get("speaker_organisation"):
            raise forms.ValidationError(
                "A statement has one speaker: a person or an organisation, not both."
            )
        self._role_link_check(cleaned)
        return cleaned

    def _role_link_check(self, cleaned: dict) -> None:
        """The role link (membership) must be one of the speaker's own roles.

        A link the editor chose that belongs to someone else is refused. A link left over
        from the previous speaker follows the new one: to the new speaker's role of the same
        name when there is exactly one, else it is cleared (``role_link_note`` says which).
        """
        membership = cleaned.get("membership")
        speaker = cleaned.get("speaker_person")
        if membership is None or membership.person_id == getattr(speaker, "pk", None):
            return
        if "membership" in self.changed_data:
            self.add_error(
                "membership",
                f"This role belongs to {membership.person}, not to the statement's speaker.",
            )
            return
        role = cleaned.get("speaker_role") or membership.role
        same_role = (
            list(speaker.memberships.filter(role__iexact=role)[:2]) if speaker is not None else []
        )
        if len(same_role) == 1:
            cleaned["membership"] = same_role[0]
            self.role_link_note = f"The role link now points to {same_role[0]}."
        else:
            cleaned["membership"] = None
            self.role_link_note = (
                f"The role link ({membership}) belonged to the previous speaker and was cleared."
            )


# Fields whose change is an edit of the statement (review fields are not).
_REVIEW_ONLY_FIELDS = {"review_status"}


@admin.register(models.Statement)
class StatementAdmin(SummaryFollowMixin, HistoryAdmin):
    form = StatementAdminForm
    list_display = [
        "id",
        "speaker_display",
        "content_display",
        "statement_type",
        "kind",
        "document_display",
        "date",
        "review_status",
        "confidence",
        "speaker_link_confidence",
    ]
    list_display_links = ["id", "content_display"]
    list_select_related = ["speaker_person", "speaker_organisation", "document"]
    list_filter = [
        "review_status",
        LinkConfidenceFilter,
        "statement_type",
        "kind",
        ("document__publisher", admin.AllValuesFieldListFilter),
        ("date", admin.DateFieldListFilter),
        ("extractor_version", admin.AllValuesFieldListFilter),
    ]
    search_fields = [
        "content",
        "speaker_text",
        "speaker_person__name",
        "speaker_organisation__name",
    ]
    autocomplete_fields = [
        "document",
        "speaker_person",
        "speaker_organisation",
        "event",
        "membership",
    ]
    inlines = [StatementTargetInline]
    actions = [
        "accept_selected",
        "reject_selected",
        "mark_selected_for_review",
        "relink_selected",
    ]
    history_list_display = ["review_status"]
    list_per_page = 50
    fieldsets = [
        ("Source", {"fields": ["document", "source_paragraph"]}),
        (
            "Who said what",
            {
                "fields": [
                    ("speaker_person", "speaker_organisation"),
                    ("speaker_text", "speaker_role"),
                    "membership",
                    ("cue", "cue_class"),
                    "content",
                    ("kind", "statement_type"),
                    ("cameo_code", "plover_code"),
                    ("event", "date"),
                ]
            },
        ),
        (
            "Review",
            {
                "fields": [
                    "review_status",
                    ("reviewed_by", "reviewed_at"),
                    ("confidence", "extractor_version"),
                    "original_extraction_display",
                ]
            },
        ),
        (
            "Offsets in the document",
            {
                "classes": ["collapse"],
                "fields": [
                    ("content_start", "content_end"),
                    "content_spans",
                    ("speaker_start", "speaker_end"),
                    ("cue_start", "cue_end"),
                    "cluster_key",
                    "quote_link",
                ],
            },
        ),
    ]
    _always_readonly = [
        "source_paragraph",
        "reviewed_by",
        "reviewed_at",
        "confidence",
        "extractor_version",
        "original_extraction_display",
        "cluster_key",
        "quote_link",
    ]
    # Offsets point into the stored text: moving them by hand would unhook the statement.
    _readonly_on_change = [
        "document",
        "content_start",
        "content_end",
        "content_spans",
        "speaker_start",
        "speaker_end",
        "cue_start",
        "cue_end",
    ]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        if obj is None:
            return list(self._always_readonly)
        return [*self._always_readonly, *self._readonly_on_change]

    @admin.display(description="quote")
    def quote_link(self, statement: models.Statement) -> str:
        return _admin_link(statement.quote)

    @admin.display(description="speaker", ordering="speaker_text")
    def speaker_display(self, statement: models.Statement) -> str:
        if statement.speaker is not None:
            return statement.speaker.name
        return format_html("<i>{}</i>", statement.speaker_text or "unknown")

    @admin.display(description="content")
    def content_display(self, statement: models.Statement) -> str:
        return Truncator(statement.content).chars(90)

    @admin.display(description="document", ordering="document__published_at")
    def document_display(self, statement: models.Statement) -> str:
        return Truncator(str(statement.document)).chars(40)

    @admin.display(description="source paragraph")
    def source_paragraph(self, statement: models.Statement) -> str:
        if statement.pk is None:
            return "-"
        return statement_source_html(statement)

    @admin.display(description="original extraction (machine)")
    def original_extraction_display(self, statement: models.Statement) -> str:
        if not statement.original_extraction:
            return "-"
        rows = format_html_join(
            "",
            "<tr><th>{}</th><td>{}</td></tr>",
            ((key, value) for key, value in sorted(statement.original_extraction.items())),
        )
        return format_html('<table class="kb-original">{}</table>', rows)

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        if form.role_link_note:
            self.message_user(request, form.role_link_note, messages.WARNING)
        obj._kb_marked_edited = False
        if change and not form.changed_data:
            return  # nothing to write: no empty history entry (inline rows may still change)
        if change and set(form.changed_data) - _REVIEW_ONLY_FIELDS:
            statement_mark_edited(statement=obj, user=request.user)
            obj._kb_marked_edited = True
            return
        if change:
            # Only the review status changed: a review, recorded like the bulk actions.
            statements_review(
                statements=models.Statement.objects.filter(pk=obj.pk),
                status=form.cleaned_data["review_status"],
                user=request.user,
            )
            return
        # A statement an editor adds by hand is theirs: never replaced by re-extraction.
        statement_mark_edited(statement=obj, user=request.user, save=False)
        super().save_model(request, obj, form, change)
        summaries_follow_created(statement_ids=[obj.pk])
        statements_quote(statement_ids=[obj.pk])

    follow_changes = True

    def summary_scope(self, pks: list[int]) -> dict:
        return {"statement_ids": pks}

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        instance = form.instance
        note = _inline_changes_describe(formsets)
        if not change or not note:
            return
        if instance._kb_marked_edited:
            statement_edit_note(statement=instance, note=note)
        else:
            statement_mark_edited(
                statement=instance, user=request.user, reason=f"edited by a reviewer; {note}"
            )

    def _review(self, request: HttpRequest, queryset: QuerySet, status: str) -> None:
        changed = statements_review(statements=queryset, status=status, user=request.user)
        label = models.ReviewStatus(status).label
        self.message_user(request, f"{changed} statement(s) now {label}.", messages.SUCCESS)

    @admin.action(description="Accept selected statements", permissions=["change"])
    def accept_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._review(request, queryset, models.ReviewStatus.ACCEPTED)

    @admin.action(description="Reject selected statements", permissions=["change"])
    def reject_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._review(request, queryset, models.ReviewStatus.REJECTED)

    @admin.action(description="Mark selected statements for review", permissions=["change"])
    def mark_selected_for_review(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._review(request, queryset, models.ReviewStatus.NEEDS_REVIEW)

    @admin.action(description="Re-link the speakers of selected statements", permissions=["change"])
    def relink_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        report = statements_relink(statement_ids=queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            f"{report.linked} linked, {report.moved} moved, {report.unlinked} unlinked "
            f"(reviewed statements are left as they are).",
            messages.SUCCESS,
        )


@admin.register(models.StatementTarget)
class StatementTargetAdmin(SummaryFollowMixin, admin.ModelAdmin):
    list_display = ["statement", "person", "organisation"]
    list_select_related = ["statement", "person", "organisation"]
    autocomplete_fields = ["statement", "person", "organisation"]
    follow_changes = True

    def summary_scope(self, pks: list[int]) -> dict:
        targets = models.StatementTarget.objects.filter(pk__in=pks)
        return {"statement_ids": set(targets.values_list("statement_id", flat=True))}

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        # The statement the row now belongs to (perhaps another than before).
        with summaries_follow(statement_ids=[obj.statement_id]):
            super().save_model(request, obj, form, change)


# -- people and organisations ---------------------------------------------------------------


class PersonOtherNameInline(admin.TabularInline):
    model = models.OtherName
    formset = AliasFormSet
    fk_name = "person"
    fields = ["name", "kind", "note"]
    extra = 0
    verbose_name_plural = "aliases"


class OrganisationOtherNameInline(PersonOtherNameInline):
    fk_name = "organisation"


class PersonIdentifierInline(admin.TabularInline):
    model = models.Identifier
    formset = IdentifierFormSet
    fk_name = "person"
    fields = ["scheme", "identifier"]
    extra = 0


class OrganisationIdentifierInline(PersonIdentifierInline):
    fk_name = "organisation"


class PersonMembershipInline(admin.TabularInline):
    model = models.Membership
    formset = MembershipFormSet
    fk_name = "person"
    fields = ["role", "organisation", "status", "start_date", "end_date", "source_text"]
    readonly_fields = ["source_text"]
    autocomplete_fields = ["organisation"]
    extra = 0


class OrganisationMembershipInline(PersonMembershipInline):
    fk_name = "organisation"
    fields = ["person", "role", "status", "start_date", "end_date", "source_text"]
    autocomplete_fields = ["person"]


class _ChoiceListFilter(admin.SimpleListFilter):
    """A list filter whose options are declared as ``{value: (label, condition)}``."""

    options: dict[str, tuple[str, Q]] = {}

    def lookups(self, request, model_admin):
        return [(value, label) for value, (label, _) in self.options.items()]

    def queryset(self, request, queryset):
        chosen = self.options.get(self.value() or "")
        return queryset.filter(chosen[1]) if chosen else queryset


class MergedListFilter(_ChoiceListFilter):
    title = "merged"
    parameter_name = "merged"
    options = {
        "live": ("live records", Q(merged_into__isnull=True)),
        "merged": ("merged into another", Q(merged_into__isnull=False)),
    }


class ActorAdminForm(forms.ModelForm):
    """Checks the live-name constraint, which Django cannot: ``name_key`` is not on the form."""

    def clean(self) -> dict:
        cleaned = super().clean()
        name = cleaned.get("name")
        if name and self.instance.merged_into_id is None:
            clash = (
                self._meta.model._default_manager.filter(
                    name_key=name_key(name),
                    disambiguation=cleaned.get("disambiguation") or "",
                    merged_into__isnull=True,
                )
                .exclude(pk=self.instance.pk)
                .first()
            )
            if clash is not None:
                self.add_error(
                    "disambiguation",
                    f"{clash.name} (#{clash.pk}) already has this name: set a disambiguation "
                    "to keep both, or merge them.",
                )
        return cleaned


class ActorAdmin(SummaryFollowMixin, HistoryAdmin):
    """What the person and organisation pages share: aliases, identifiers, roles, merge."""

    form = ActorAdminForm

    merge_service: Callable = staticmethod(person_merge)
    search_fields = ["name", "name_key", "other_names__name", "slug"]

    def summary_scope(self, pks: list[int]) -> dict:
        return _actor_statements_scope(self.model._meta.model_name, pks)

    actions = ["merge_selected"]
    history_list_display = ["merged_into"]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        readonly = ["name_key", "created_at", "updated_at", "merged_into_link"]
        # The slug is the public URL: changing it would break links people keep.
        return [*readonly, "slug"] if obj is not None else readonly

    @admin.display(description="merged into")
    def merged_into_link(self, actor) -> str:
        return _admin_link(actor.merged_into)

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name == "autocomplete":
            # Pickers offer live records only: a merged record is a redirect, not an actor.
            queryset = queryset.filter(merged_into__isnull=True)
        return queryset, may_have_duplicates

    @admin.action(description="Merge selected records into one…", permissions=["change"])
    def merge_selected(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        records = list(
            queryset.filter(merged_into__isnull=True)
            .annotate(statement_count=Count("statements", distinct=True))
            .order_by("name", "pk")
        )
        opts = self.model._meta
        if len(records) < 2:
            self.message_user(
                request,
                f"Select at least two live {opts.verbose_name_plural} to merge.",
                messages.WARNING,
            )
            return None
        if request.POST.get("post") == "yes":
            survivor = next((r for r in records if str(r.pk) == request.POST.get("survivor")), None)
            if survivor is None:
                self.message_user(request, "Choose the record to keep.", messages.ERROR)
            else:
                return self._merge_into(request, survivor, records)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Merge {opts.verbose_name_plural}",
            "opts": opts,
            "records": records,
            "skipped": queryset.filter(merged_into__isnull=False),
            "action_name": "merge_selected",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/statements/merge_confirmation.html", context)

    def _merge_into(self, request: HttpRequest, survivor, records: list) -> None:
        for loser in records:
            if loser.pk == survivor.pk:
                continue
            try:
                report = self.merge_service(survivor=survivor, loser=loser, user=request.user)
            except MergeError as error:
                self.message_user(request, str(error), messages.ERROR)
                continue
            message = f"Merged {loser} into {survivor}: {report.summary()}."
            self.log_change(request, survivor, message)
            self.message_user(request, message, messages.SUCCESS)
        return None


@admin.register(models.Person)
class PersonAdmin(ActorAdmin):
    merge_service = staticmethod(person_merge)
    list_display = [
        "name",
        "slug",
        "honorific_prefix",
        "wikidata_qid",
        "needs_review",
        "merged_into",
    ]
    list_select_related = ["merged_into"]
    list_filter = ["needs_review", LikelyDuplicateFilter, MergedListFilter]
    inlines = [PersonOtherNameInline, PersonIdentifierInline, PersonMembershipInline]
    fields = [
        "name",
        ("honorific_prefix", "given_name", "family_name"),
        "gender",
        "disambiguation",
        "slug",
        "summary",
        "wikidata_qid",
        "needs_review",
        "merged_into_link",
        ("name_key", "created_at", "updated_at"),
    ]


@admin.register(models.Organisation)
class OrganisationAdmin(ActorAdmin):
    merge_service = staticmethod(organisation_merge)
    list_display = ["name", "slug", "classification", "country", "needs_review", "merged_into"]
    list_select_related = ["merged_into"]
    list_filter = ["classification", "country", "needs_review", MergedListFilter]
    autocomplete_fields = ["parent"]
    inlines = [
        OrganisationOtherNameInline,
        OrganisationIdentifierInline,
        OrganisationMembershipInline,
    ]
    fields = [
        "name",
        ("classification", "country"),
        "parent",
        "disambiguation",
        "slug",
        "summary",
        "wikidata_qid",
        "needs_review",
        "merged_into_link",
        ("name_key", "created_at", "updated_at"),
    ]


@admin.register(models.OtherName)
class OtherNameAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "person", "organisation", "note"]
    list_select_related = ["person", "organisation"]
    list_filter = ["kind"]
    search_fields = ["name", "name_key"]
    autocomplete_fields = ["person", "organisation"]


@admin.register(models.Identifier)
class IdentifierAdmin(admin.ModelAdmin):
    list_display = ["scheme", "identifier", "person", "organisation"]
    list_select_related = ["person", "organisation"]
    list_filter = ["scheme"]
    search_fields = ["identifier"]
    autocomplete_fields = ["person", "organisation"]


@admin.register(models.Membership)
class MembershipAdmin(HistoryAdmin):
    list_display = ["person", "role", "organisation", "status", "start_date", "end_date"]
    list_select_related = ["person", "organisation"]
    list_filter = ["status"]
    search_fields = ["person__name", "role", "organisation__name"]
    autocomplete_fields = ["person", "organisation", "document"]
    readonly_fields = ["start", "end", "source_text"]


# -- events, mentions, documents ------------------------------------------------------------


class EventParticipantInline(admin.TabularInline):
    model = models.EventParticipant
    formset = ActorLinkFormSet
    extra = 0
    autocomplete_fields = ["person", "organisation"]


@admin.register(models.Event)
class EventAdmin(SummaryFollowMixin, admin.ModelAdmin):
    def summary_scope(self, pks: list[int]) -> dict:
        statements = models.Statement.objects.filter(event_id__in=pks)
        return {"statement_ids": set(statements.values_list("pk", flat=True))}

    list_display = ["name", "classification", "date", "location", "document"]
    list_select_related = ["document"]
    list_filter = ["classification"]
    search_fields = ["name", "location", "date_text"]
    autocomplete_fields = ["document"]
    inlines = [EventParticipantInline]


@admin.register(models.EventParticipant)
class EventParticipantAdmin(admin.ModelAdmin):
    list_display = ["event", "person", "organisation"]
    list_select_related = ["event", "person", "organisation"]
    autocomplete_fields = ["event", "person", "organisation"]


@admin.register(models.Mention)
class MentionAdmin(admin.ModelAdmin):
    list_display = ["text", "label", "document", "start", "end", "person", "organisation"]
    list_select_related = ["document", "person", "organisation"]
    list_filter = ["label"]
    search_fields = ["text"]
    autocomplete_fields = ["person", "organisation"]
    readonly_fields = ["document", "start", "end", "text", "label"]


@admin.register(models.Document)
class DocumentAdmin(SummaryFollowMixin, admin.ModelAdmin):
    def summary_scope(self, pks: list[int]) -> dict:
        return {"document_ids": pks}

    list_display = [
        "id",
        "title",
        "publisher",
        "published_at",
        "word_count",
        "statement_count",
        "extractor_version",
        "ingested_at",
    ]
    search_fields = ["title", "url", "publisher"]
    list_filter = ["publisher", "language", "extractor_version"]
    # An address typed without a scheme is https (Django 6.0's default, chosen now).
    formfield_overrides = {django_models.URLField: {"assume_scheme": "https"}}
    actions = ["reextract_selected"]
    fields = [
        "title",
        "url",
        ("publisher", "published_at", "language"),
        "highlighted_text",
        ("word_count", "extractor_version", "ingested_at"),
        ("sha256", "source_path"),
        "metadata",
    ]
    # The text is the evidence every offset points into: nobody edits it here.
    readonly_fields = [
        "highlighted_text",
        "word_count",
        "extractor_version",
        "ingested_at",
        "sha256",
        "source_path",
        "metadata",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(statement_total=Count("statements"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Documents come in through ingestion, which extracts them; a bare row would not.
        return False

    @admin.display(description="statements", ordering="statement_total")
    def statement_count(self, document: models.Document) -> int:
        return document.statement_total

    @admin.display(description="text (statements marked; click one to review it)")
    def highlighted_text(self, document: models.Document) -> str:
        return document_text_html(document)

    @admin.action(
        description="Re-extract selected documents (keeps human-reviewed statements)",
        permissions=["change"],
    )
    def reextract_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        if broker_configured():
            return self._reextract_enqueue(request, queryset)
        report = documents_reextract(documents=queryset.order_by("pk"))
        self.message_user(
            request,
            f"Re-extracted {report.re_extracted} document(s): {report.statements_created} "
            "machine statement(s) written; statements a human reviewed were kept.",
            messages.SUCCESS if not report.failed else messages.WARNING,
        )
        for path, reason in report.failures:
            self.message_user(request, f"{path or 'document'}: {reason}", messages.ERROR)

    def _reextract_enqueue(self, request: HttpRequest, queryset: QuerySet) -> None:
        """With a broker, the workers re-extract: spaCy never runs inside a web request."""
        try:
            run = documents_reextract_enqueue(documents=queryset.order_by("pk"))
        except BrokerUnavailable as error:
            self.message_user(request, f"Nothing was queued: {error}", messages.ERROR)
            return
        progress = ingest_run_progress(run=run)
        link = reverse("admin:statements_ingestrun_change", args=[run.pk])
        self.message_user(
            request,
            format_html(
                'Queued {} document(s) for re-extraction: <a href="{}">ingest run {}</a>.',
                progress.queued,
                link,
                run.pk,
            ),
            messages.SUCCESS,
        )


class IngestRunItemInline(admin.TabularInline):
    model = models.IngestRunItem
    extra = 0
    can_delete = False
    fields = [
        "path",
        "state",
        "attempts",
        "deliveries",
        "reason",
        "document",
        "words",
        "worker",
        "started_at",
        "finished_at",
    ]
    readonly_fields = fields
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


# A run's count columns: the column's label and which of the run's items it counts.
_RUN_ITEM_COUNTS: dict[str, tuple[str, Q | None]] = {
    "input": ("inputs", None),
    "queued": ("queued", Q(items__queued=True)),
    "pending": ("pending", Q(items__state=models.IngestItemState.PENDING)),
    "created": ("created", Q(items__state=models.IngestItemState.CREATED)),
    "unchanged": ("unchanged", Q(items__state=models.IngestItemState.UNCHANGED)),
    "failed": ("failed", Q(items__state=models.IngestItemState.FAILED)),
}


def _run_count_column(name: str, label: str) -> Callable[[models.IngestRun], int]:
    """A sortable list column showing the ``{name}_total`` annotation of the run list."""

    @admin.display(description=label, ordering=f"{name}_total")
    def column(run: models.IngestRun) -> int:
        return getattr(run, f"{name}_total")

    column.__name__ = f"{name}_count"
    return column


@admin.register(models.IngestRun)
class IngestRunAdmin(admin.ModelAdmin):
    """Queued ingest runs (``ingest --queue``, re-extraction with a broker): read-only."""

    list_display = [
        "id",
        "created_at",
        "finished_at",
        "force",
        *(_run_count_column(name, label) for name, (label, _) in _RUN_ITEM_COUNTS.items()),
    ]
    list_filter = ["force"]
    readonly_fields = [
        "created_at",
        "enqueued_at",
        "finished_at",
        "inputs",
        "force",
        "model_name",
        "relinked",
    ]
    inlines = [IngestRunItemInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        totals = {
            f"{name}_total": Count("items", filter=items)
            for name, (_, items) in _RUN_ITEM_COUNTS.items()
        }
        return super().get_queryset(request).annotate(**totals)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # runs come from `ingest --queue` and the re-extract action

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


# -- quotes ---------------------------------------------------------------------------------


class ConflictingListFilter(_ChoiceListFilter):
    title = "attributions"
    parameter_name = "attributions"
    options = {
        "conflicting": ("conflicting", Q(conflicting=True)),
        "agreeing": ("agreeing", Q(conflicting=False)),
    }


@admin.register(models.Quote)
class QuoteAdmin(admin.ModelAdmin):
    """Quotes are derived from their statements: editors read them and settle conflicts.

    *Settle the speaker* names the quote's speaker: its machine statements take it (marked
    edited by the editor), statements a human reviewed keep theirs.
    """

    list_display = [
        "quote_text",
        "speaker_display",
        "attributions",
        "outlet_count",
        "document_count",
        "first_reported",
        "conflicting",
    ]
    list_filter = [ConflictingListFilter, "first_reported"]
    list_select_related = ["speaker_person", "speaker_organisation"]
    search_fields = ["text"]
    ordering = ["-outlet_count", "-document_count", "-id"]
    actions = ["settle_speaker"]
    fields = [
        "text",
        "speaker_display",
        ("first_reported", "first_document"),
        ("outlet_count", "document_count", "statement_count", "speaker_count"),
        "conflicting",
        "reports_table",
    ]
    readonly_fields = [
        "text",
        "speaker_display",
        "first_reported",
        "first_document",
        "outlet_count",
        "document_count",
        "statement_count",
        "speaker_count",
        "conflicting",
        "reports_table",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_settle_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(models.REVIEW_PERMISSION)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # Each row lists its reports' attributions: one prefetch for the page.
        reports = models.Statement.objects.public().select_related(
            "document", "speaker_person", "speaker_organisation"
        )
        return (
            super()
            .get_queryset(request)
            .prefetch_related(django_models.Prefetch("statements", queryset=reports))
        )

    @admin.display(description="quote")
    def quote_text(self, quote: models.Quote) -> str:
        return Truncator(quote.text).chars(90)

    @admin.display(description="speaker")
    def speaker_display(self, quote: models.Quote) -> str:
        return quote.speaker.name if quote.speaker else "-"

    @admin.display(description="each outlet's attribution")
    def attributions(self, quote: models.Quote) -> str:
        named: dict[str, set[str]] = {}
        for statement in quote.statements.all():
            outlet = statement.document.publisher or statement.document.display_name
            speaker = statement.speaker
            named.setdefault(outlet, set()).add(
                speaker.name if speaker else f"({statement.speaker_text or 'unknown'})"
            )
        return format_html_join(
            "", "<div>{}: {}</div>", ((o, ", ".join(sorted(n))) for o, n in sorted(named.items()))
        )

    @admin.display(description="reports")
    def reports_table(self, quote: models.Quote) -> str:
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    statement.document.published_at or "-",
                    statement.document.publisher or statement.document.display_name,
                    _admin_link(statement, statement.speaker.name if statement.speaker else "-"),
                    statement.get_review_status_display(),
                    Truncator(statement.content).chars(120),
                )
                for statement in quote.statements.all()
            ),
        )
        return format_html(
            '<table class="kb-reports"><tr><th>published</th><th>outlet</th><th>speaker</th>'
            "<th>review</th><th>words</th></tr>{}</table>",
            rows,
        )

    @admin.action(description="Settle the speaker of the selected quote…", permissions=["settle"])
    def settle_speaker(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        quotes = list(queryset[:2])
        if len(quotes) != 1:
            self.message_user(request, "Select one quote to settle.", messages.WARNING)
            return None
        quote = quotes[0]
        candidates = _quote_speakers(quote)
        if request.POST.get("post") == "yes":
            speaker = candidates.get(request.POST.get("speaker", ""))
            if speaker is None:
                self.message_user(request, "Choose the speaker.", messages.ERROR)
            else:
                return self._settle(request, quote, speaker)
        context = {
            **self.admin_site.each_context(request),
            "title": "Settle the speaker",
            "opts": self.model._meta,
            "quote": quote,
            "candidates": candidates,
            "action_name": "settle_speaker",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/statements/quote_settle.html", context)

    def _settle(self, request: HttpRequest, quote: models.Quote, speaker) -> None:
        try:
            changed = quote_settle(quote=quote, speaker=speaker, user=request.user)
        except QuoteSettleError as error:
            self.message_user(request, str(error), messages.ERROR)
            return None
        self.message_user(
            request,
            f"{speaker} is now the speaker of {changed} machine statement(s) of the quote; "
            "statements a reviewer decided keep their speaker.",
            messages.SUCCESS,
        )
        return None


def _quote_speakers(quote: models.Quote) -> dict[str, models.Person | models.Organisation]:
    """``{"person:12": person, ...}``: the records the quote's statements name."""
    speakers: dict[str, models.Person | models.Organisation] = {}
    for statement in quote.statements.all():
        speaker = statement.speaker
        if speaker is not None:
            kind = "person" if isinstance(speaker, models.Person) else "organisation"
            speakers[f"{kind}:{speaker.pk}"] = speaker
    return speakers
