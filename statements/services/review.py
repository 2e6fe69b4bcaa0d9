"""Human review of extracted statements: the writes behind the admin's review workflow.

A status set here is a promise to the editor: ingestion re-runs (even ``--force``) leave
statements in ``HUMAN_REVIEW_STATUSES`` alone, so what a human decided is never lost.
Every save goes through ``Model.save`` (not ``QuerySet.update``) so django-simple-history
records who changed what.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from statements.models import Organisation, Person, Quote, ReviewStatus, Statement
from statements.services.quotes import quotes_refresh, statements_quote
from statements.services.summaries import summaries_follow, summaries_follow_created

REVIEW_FIELDS = ["review_status", "reviewed_by", "reviewed_at", "updated_at"]


def statements_history_baseline(*, statement_ids: Iterable[int]) -> int:
    """Give statements without history a first entry: the machine's version, as stored.

    Ingestion bulk-creates statements, which django-simple-history does not see; without
    this the first human change would have nothing to be compared with, and the history
    page could not say what the editor changed. Returns how many entries were written.
    """
    ids = set(statement_ids)
    if not ids:
        return 0
    recorded = set(Statement.history.filter(id__in=ids).values_list("id", flat=True).distinct())
    missing = list(Statement.objects.filter(pk__in=ids - recorded).order_by("pk"))
    for statement in missing:
        # The machine made this version: not the user of the request that triggers this.
        statement._history_user = None
        statement._history_date = statement.created_at
    if missing:
        Statement.history.bulk_history_create(
            missing, default_change_reason="extracted by the machine"
        )
    return len(missing)


class ReviewError(ValueError):
    """A review request kb refuses (an unknown status)."""


def statements_review(
    *,
    statements: Iterable[Statement],
    status: str,
    user: AbstractBaseUser | None,
    reason: str = "",
) -> int:
    """Set ``status`` on every statement and record the reviewer; return how many changed.

    Statements already in that status by the same reviewer are left as they are, so a
    repeated bulk action does not pile up empty history entries.
    """
    if status not in ReviewStatus.values:
        raise ReviewError(f"Unknown review status {status!r}.")
    if status == ReviewStatus.AUTO:
        raise ReviewError("Only the extractor sets 'auto'; choose a human review status.")
    now = timezone.now()
    reviewer_id = getattr(user, "pk", None)
    changed_ids: list[int] = []
    with transaction.atomic():
        statements = list(statements)
        # A reject takes a statement out of what the public sees, so out of the summaries.
        with summaries_follow(statement_ids=[s.pk for s in statements]):
            statements_history_baseline(statement_ids=[s.pk for s in statements])
            for statement in statements:
                if statement.review_status == status and statement.reviewed_by_id == reviewer_id:
                    continue
                statement.review_status = status
                statement.reviewed_by = user if reviewer_id else None
                statement.reviewed_at = now
                if reviewer_id:
                    statement._history_user = user
                statement._change_reason = reason or f"review: {status}"
                statement.save(update_fields=REVIEW_FIELDS)
                changed_ids.append(statement.pk)
        # A rejected statement leaves its quote; one no longer rejected finds it again.
        statements_quote(statement_ids=changed_ids)
    return len(changed_ids)


def statement_mark_edited(
    *,
    statement: Statement,
    user: AbstractBaseUser | None,
    reason: str = "",
    save: bool = True,
) -> Statement:
    """Record that a human corrected ``statement``: status ``edited``, who and when.

    ``original_extraction`` is reloaded from the database before saving, so whatever the
    editor's form carried, the machine's record stays exactly as the extractor wrote it:
    it is the baseline editors and evaluators compare against.
    """
    statement.review_status = ReviewStatus.EDITED
    statement.reviewed_by = user if getattr(user, "pk", None) else None
    statement.reviewed_at = timezone.now()
    if statement.pk:
        stored = (
            Statement.objects.filter(pk=statement.pk)
            .values_list("original_extraction", flat=True)
            .first()
        )
        if stored is not None:
            statement.original_extraction = stored
    if save:
        if statement.pk:
            statements_history_baseline(statement_ids=[statement.pk])
        if statement.reviewed_by is not None:
            statement._history_user = statement.reviewed_by
        statement._change_reason = reason or "edited by a reviewer"
        with transaction.atomic():
            if statement.pk:
                with summaries_follow(statement_ids=[statement.pk]):
                    statement.save()
            else:
                statement.save()
                summaries_follow_created(statement_ids=[statement.pk])
            # Its words, kind or speaker may have changed: place it in its quote again.
            statements_quote(statement_ids=[statement.pk])
    return statement


def statement_edit_note(*, statement: Statement, note: str) -> None:
    """Append ``note`` to the reason of the statement's latest history entry.

    The admin saves a statement before its inline targets; the target changes are then
    described on the same history entry, so one edit stays one entry.
    """
    record = statement.history.order_by("-history_date", "-history_id").first()
    if record is None or not note:
        return
    reason = record.history_change_reason or ""
    record.history_change_reason = f"{reason}; {note}" if reason else note
    record.save(update_fields=["history_change_reason"])


class QuoteSettleError(ValueError):
    """A settlement kb refuses (no speaker given, or both kinds)."""


def quote_settle(
    *,
    quote: Quote,
    speaker: Person | Organisation,
    user: AbstractBaseUser | None,
) -> int:
    """Name ``speaker`` as the quote's speaker: each of its machine statements (status
    ``auto``) naming someone else takes it and is marked edited by ``user``; statements a
    human reviewed keep their speaker. Returns how many statements changed."""
    if not isinstance(speaker, Person | Organisation):
        raise QuoteSettleError("Choose a person or an organisation.")
    person = speaker if isinstance(speaker, Person) else None
    organisation = speaker if isinstance(speaker, Organisation) else None
    speaker_ids = (getattr(person, "pk", None), getattr(organisation, "pk", None))
    with transaction.atomic():
        statements = [
            statement
            for statement in Statement.objects.select_for_update()
            .filter(quote=quote, review_status=ReviewStatus.AUTO)
            .order_by("pk")
            if (statement.speaker_person_id, statement.speaker_organisation_id) != speaker_ids
        ]
        reason = f"quote {quote.pk}: speaker settled"
        statements_history_baseline(statement_ids=[s.pk for s in statements])
        # A new speaker moves each statement from one speaker's summaries to another's.
        with summaries_follow(statement_ids=[s.pk for s in statements]):
            for statement in statements:
                statement.speaker_person = person
                statement.speaker_organisation = organisation
                statement.speaker_link_confidence = 1.0
                statement.membership = None
                statement_mark_edited(statement=statement, user=user, reason=reason, save=False)
                if statement.reviewed_by is not None:
                    statement._history_user = statement.reviewed_by
                statement._change_reason = reason
                statement.save()
        changed = len(statements)
        quotes_refresh(quote_ids=[quote.pk])
    return changed
