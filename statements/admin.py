"""Admin registrations. The full review workflow is issue 7."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from statements import models


@admin.register(models.Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "publisher", "published_at", "word_count", "ingested_at"]
    search_fields = ["title", "url", "publisher"]
    list_filter = ["publisher", "language"]
    readonly_fields = ["sha256", "ingested_at"]


@admin.register(models.Person)
class PersonAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug", "honorific_prefix", "needs_review", "merged_into"]
    search_fields = ["name", "name_key", "other_names__name"]
    list_filter = ["needs_review"]


@admin.register(models.Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug", "classification", "country", "needs_review", "merged_into"]
    search_fields = ["name", "name_key", "other_names__name"]
    list_filter = ["classification", "country", "needs_review"]


@admin.register(models.OtherName)
class OtherNameAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "person", "organisation"]
    search_fields = ["name"]


@admin.register(models.Identifier)
class IdentifierAdmin(admin.ModelAdmin):
    list_display = ["scheme", "identifier", "person", "organisation"]


@admin.register(models.Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["person", "role", "organisation", "status", "start_date", "end_date"]
    list_filter = ["status"]


@admin.register(models.Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["name", "classification", "date", "document"]
    list_filter = ["classification"]


@admin.register(models.EventParticipant)
class EventParticipantAdmin(admin.ModelAdmin):
    list_display = ["event", "person", "organisation"]


@admin.register(models.Mention)
class MentionAdmin(admin.ModelAdmin):
    list_display = ["text", "label", "document", "start", "end", "person", "organisation"]
    list_filter = ["label"]


@admin.register(models.Statement)
class StatementAdmin(SimpleHistoryAdmin):
    list_display = ["id", "speaker_text", "statement_type", "kind", "review_status", "date"]
    list_filter = ["review_status", "statement_type", "kind"]
    search_fields = ["content", "speaker_text"]


@admin.register(models.StatementTarget)
class StatementTargetAdmin(admin.ModelAdmin):
    list_display = ["statement", "person", "organisation"]
