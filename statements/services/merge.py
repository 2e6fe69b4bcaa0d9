"""Merging duplicate people or organisations into one record.

Entity resolution deliberately creates a new record when a match is doubtful (a surname
alone never merges); an editor then merges the duplicate here. Everything that points at
the loser moves to the survivor, rows that would then collide with a unique constraint are
folded into the survivor's copy, the loser's name becomes an alias, and the loser keeps
existing with ``merged_into`` set so its old URLs keep resolving.

Rows with history (statements, memberships, actors) are saved one by one so
django-simple-history records the merge with the editor's name.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db import models, transaction

from statements.models import (
    EventParticipant,
    Identifier,
    Membership,
    Mention,
    Organisation,
    OtherName,
    OtherNameKind,
    Person,
    Statement,
    StatementTarget,
)
from statements.services.quotes import quotes_refresh_for_actor
from statements.services.review import statements_history_baseline
from statements.services.summaries import summaries_follow

# Blank fields of the survivor that a merge fills from the loser.
_FILLABLE_FIELDS = (
    "summary",
    "given_name",
    "family_name",
    "honorific_prefix",
    "classification",
    "country",
)
# Membership fields copied onto the survivor's copy of a duplicate role when it lacks them.
_MEMBERSHIP_FILLABLE = ("start_date", "end_date", "document", "start", "end", "source_text")


class MergeError(ValueError):
    """A merge kb refuses: the same record twice, or a record that was already merged."""


@dataclass
class MergeReport:
    """What a merge did: rows moved to the survivor and duplicates folded into its rows."""

    survivor_id: int
    loser_id: int
    moved: Counter = field(default_factory=Counter)
    folded: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        moved = ", ".join(f"{n} {what}" for what, n in sorted(self.moved.items()) if n)
        folded = ", ".join(f"{n} {what}" for what, n in sorted(self.folded.items()) if n)
        text = f"moved: {moved or 'nothing'}"
        return f"{text}; duplicates folded: {folded}" if folded else text


def person_merge(
    *, survivor: Person, loser: Person, user: AbstractBaseUser | None = None
) -> MergeReport:
    """Merge ``loser`` into ``survivor``: statements, targets, memberships, mentions,
    event participations, aliases and identifiers move; the loser redirects."""
    return _actor_merge(survivor=survivor, loser=loser, user=user, owner="person")


def organisation_merge(
    *, survivor: Organisation, loser: Organisation, user: AbstractBaseUser | None = None
) -> MergeReport:
    """Merge ``loser`` into ``survivor``; as ``person_merge``, plus child organisations."""
    return _actor_merge(survivor=survivor, loser=loser, user=user, owner="organisation")


def _save_with_history(
    instance: models.Model, *, user: AbstractBaseUser | None, reason: str, **kwargs
) -> None:
    if getattr(user, "pk", None):
        instance._history_user = user
    instance._change_reason = reason
    instance.save(**kwargs)


def _actor_merge(
    *,
    survivor: Person | Organisation,
    loser: Person | Organisation,
    user: AbstractBaseUser | None,
    owner: str,
) -> MergeReport:
    model = Person if owner == "person" else Organisation
    if not isinstance(survivor, model) or not isinstance(loser, model):
        raise MergeError(f"Both records must be {model._meta.verbose_name_plural}.")
    with transaction.atomic():
        # Re-read under a row lock: the admin's objects may be stale by now.
        locked = model.objects.select_for_update().in_bulk([survivor.pk, loser.pk])
        if survivor.pk == loser.pk or len(locked) != 2:
            raise MergeError("Choose two different, existing records to merge.")
        survivor, loser = locked[survivor.pk], locked[loser.pk]
        if loser.merged_into_id is not None:
            raise MergeError(f"{loser} was already merged into another record.")
        if survivor.merged_into_id is not None:
            raise MergeError(f"{survivor} was merged into another record; merge into that one.")

        report = MergeReport(survivor_id=survivor.pk, loser_id=loser.pk)
        # Statements by the loser and about it change speaker or target.
        touched = Statement.objects.filter(
            models.Q(**{f"speaker_{owner}": loser}) | models.Q(**{f"targets__{owner}": loser})
        ).values_list("pk", flat=True)
        with summaries_follow(statement_ids=set(touched)):
            _actor_merge_rows(survivor, loser, owner, model, user, report)
        # The moved statements may now agree (or disagree) on their quotes' speaker.
        quotes_refresh_for_actor(actor=survivor)
        quotes_refresh_for_actor(actor=loser)
    return report


def _actor_merge_rows(survivor, loser, owner: str, model, user, report: MergeReport) -> None:
    """Move or fold every row pointing at the loser, then mark it merged."""
    reason = f"merged {loser.name} (#{loser.pk}) into {survivor.name} (#{survivor.pk})"
    parties = (survivor, loser, owner)
    _move_statements(survivor, loser, owner, user, reason, report)
    # Both targets of one statement, or both at one event: one row says it.
    _move_or_fold(StatementTarget, "statement_id", "statement targets", *parties, report)
    _move_memberships(survivor, loser, owner, user, reason, report)
    _move_or_fold(EventParticipant, "event_id", "event participations", *parties, report)
    report.moved["mentions"] += Mention.objects.filter(**{owner: loser}).update(**{owner: survivor})
    _move_aliases(survivor, loser, owner, report)
    report.moved["identifiers"] += Identifier.objects.filter(**{owner: loser}).update(
        **{owner: survivor}
    )
    if owner == "organisation":
        _move_children(survivor, loser, user, reason, report)
    # Records merged into the loser earlier now point straight at the survivor.
    for earlier in model.objects.filter(merged_into=loser):
        earlier.merged_into = survivor
        _save_with_history(earlier, user=user, reason=reason)
        report.moved["earlier merges"] += 1

    loser_qid = loser.wikidata_qid
    loser.wikidata_qid = None
    loser.merged_into = survivor
    _save_with_history(loser, user=user, reason=reason)
    _fill_survivor(survivor, loser, loser_qid, owner)
    _save_with_history(survivor, user=user, reason=reason)


def _move_statements(survivor, loser, owner, user, reason, report: MergeReport) -> None:
    speaker_field = f"speaker_{owner}"
    moving = Statement.objects.filter(**{speaker_field: loser})
    statements_history_baseline(statement_ids=moving.values_list("pk", flat=True))
    for statement in moving:
        setattr(statement, speaker_field, survivor)
        _save_with_history(
            statement, user=user, reason=reason, update_fields=[speaker_field, "updated_at"]
        )
        report.moved["statements"] += 1


def _move_or_fold(
    model, key: str, label: str, survivor, loser, owner: str, report: MergeReport, *, known=()
) -> None:
    """Point the loser's ``model`` rows at the survivor; delete instead each row whose
    ``key`` the survivor already holds (its unique constraint allows one)."""
    known = {*model.objects.filter(**{owner: survivor}).values_list(key, flat=True), *known}
    for row in model.objects.filter(**{owner: loser}):
        value = getattr(row, key)
        if value in known:
            row.delete()
            report.folded[label] += 1
        else:
            setattr(row, owner, survivor)
            row.save(update_fields=[owner])
            known.add(value)
            report.moved[label] += 1


def _move_memberships(survivor, loser, owner, user, reason, report: MergeReport) -> None:
    other = "organisation" if owner == "person" else "person"
    for membership in Membership.objects.filter(**{owner: loser}):
        twin = Membership.objects.filter(
            **{owner: survivor, f"{other}_id": getattr(membership, f"{other}_id")},
            role=membership.role,
        ).first()
        if twin is None:
            setattr(membership, owner, survivor)
            _save_with_history(membership, user=user, reason=reason)
            report.moved["memberships"] += 1
            continue
        # The same role twice: keep the survivor's row, complete it, repoint statements.
        for name in _MEMBERSHIP_FILLABLE:
            if getattr(twin, name) in (None, "") and getattr(membership, name) not in (None, ""):
                setattr(twin, name, getattr(membership, name))
        _save_with_history(twin, user=user, reason=reason)
        repointed = Statement.objects.filter(membership=membership)
        statements_history_baseline(statement_ids=repointed.values_list("pk", flat=True))
        for statement in repointed:
            statement.membership = twin
            _save_with_history(
                statement, user=user, reason=reason, update_fields=["membership", "updated_at"]
            )
        if getattr(user, "pk", None):
            membership._history_user = user
        membership._change_reason = reason
        membership.delete()
        report.folded["memberships"] += 1


def _move_aliases(survivor, loser, owner, report: MergeReport) -> None:
    _move_or_fold(
        OtherName, "name_key", "aliases", survivor, loser, owner, report, known=[survivor.name_key]
    )
    # The loser's own name lives on as an alias, unless the survivor already answers to it.
    taken = OtherName.objects.filter(**{owner: survivor}, name_key=loser.name_key).exists()
    if loser.name_key != survivor.name_key and not taken:
        OtherName.objects.create(
            **{owner: survivor},
            name=loser.name,
            kind=OtherNameKind.ALTERNATE,
            note=f"name of merged record {loser.slug}",
        )
        report.moved["aliases"] += 1


def _move_children(survivor, loser, user, reason, report: MergeReport) -> None:
    for child in Organisation.objects.filter(parent=loser).exclude(pk=survivor.pk):
        child.parent = survivor
        _save_with_history(child, user=user, reason=reason)
        report.moved["child organisations"] += 1
    if survivor.parent_id == loser.pk:
        # The survivor sat under the loser: it now sits where the loser sat.
        survivor.parent_id = loser.parent_id if loser.parent_id != survivor.pk else None


def _fill_survivor(survivor, loser, loser_qid: str | None, owner: str) -> None:
    for name in _FILLABLE_FIELDS:
        if hasattr(survivor, name) and not getattr(survivor, name) and getattr(loser, name):
            setattr(survivor, name, getattr(loser, name))
    if not loser_qid:
        return
    if not survivor.wikidata_qid:
        survivor.wikidata_qid = loser_qid
    elif survivor.wikidata_qid != loser_qid:
        # Two QIDs for one actor: keep the loser's as an identifier rather than lose it.
        Identifier.objects.get_or_create(
            scheme="wikidata", identifier=loser_qid, defaults={owner: survivor}
        )
