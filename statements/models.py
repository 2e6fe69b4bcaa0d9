"""The knowledge base: documents, actors, roles, events and what was said.

Field names follow Popolo where one exists (name, given_name, honorific_prefix,
classification, role, start_date, end_date) so that a Popolo export is a plain
serializer. docs/domain.md describes the data model and its vocabulary.
"""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from statements.naming import name_key, slug_base, surname_key
from statements.nlp.lexicons import statement_types

partial_date_validator = RegexValidator(
    r"^(\d{4}(-\d{2}(-\d{2})?)?)?$", "Use a partial ISO date: YYYY, YYYY-MM or YYYY-MM-DD."
)


# kb's speech-act vocabulary (docs/domain.md), derived from the statement-type lexicon that
# the engine also reads, so a type is declared once: StatementType.DEMAND == "demand", with
# the value as its label. A new type in the lexicon needs a migration (the field's choices).
StatementType = models.TextChoices(
    "StatementType", [(name.upper(), (name, name)) for name in statement_types()]
)


class StatementKind(models.TextChoices):
    DIRECT = "direct", "direct quotation"
    INDIRECT = "indirect", "reported speech"
    MIXED = "mixed", "mixed"


class CueClass(models.TextChoices):
    SPEECH = "speech", "speech"
    WRITING = "writing", "writing"
    BELIEF = "belief", "belief"
    EVIDENCE = "evidence", "evidence"


class ReviewStatus(models.TextChoices):
    AUTO = "auto", "extracted, not reviewed"
    ACCEPTED = "accepted", "accepted"
    EDITED = "edited", "edited"
    REJECTED = "rejected", "rejected"
    NEEDS_REVIEW = "needs_review", "marked for review"


# Statuses a human set: re-ingestion never touches statements in these states.
HUMAN_REVIEW_STATUSES = (
    ReviewStatus.ACCEPTED,
    ReviewStatus.EDITED,
    ReviewStatus.REJECTED,
    ReviewStatus.NEEDS_REVIEW,
)

# What the public sees: every statement but those a reviewer rejected (they are not
# statements). Written once here; the site, the API, the exports and every count use it.
PUBLIC_REVIEW_STATUSES = tuple(status for status in ReviewStatus if status != ReviewStatus.REJECTED)
# Who may see rejected statements (on asking for them with ``review_status=rejected``):
# editors, i.e. whoever may change statements in the admin.
REVIEW_PERMISSION = "statements.change_statement"


def statement_public_q(relation: str = "") -> Q:
    """The public rule, seen through ``relation`` (``"statements__"`` from an actor)."""
    return Q(**{f"{relation}review_status__in": PUBLIC_REVIEW_STATUSES})


def user_can_review(user) -> bool:
    """Whether ``user`` is an editor: logged in with the permission to change statements."""
    return bool(user is not None and user.is_authenticated and user.has_perm(REVIEW_PERMISSION))


def _count_of(statements: models.QuerySet, field: str) -> models.Subquery:
    """A correlated ``COUNT(*)`` of ``statements`` whose ``field`` is the outer row.

    Why not ``Count()`` over a join: a join groups the whole statements table to number one
    page of 25 names (4.4 s for the organisation list at 100k statements). A scalar
    subquery is evaluated only for the rows a page shows (or, when sorting by it, once per
    row through the row's index), and a ``COUNT(*)`` of the list no longer carries it.
    """
    count = models.Func(template="COUNT(*)", output_field=models.IntegerField())
    return models.Subquery(
        statements.filter(**{field: models.OuterRef("pk")})
        .order_by()
        .annotate(n=count)
        .values("n")[:1],
        output_field=models.IntegerField(),
    )


class StatementQuerySet(models.QuerySet):
    def public(self) -> StatementQuerySet:
        """Statements everyone sees: not rejected by a reviewer."""
        return self.filter(statement_public_q())

    def visible_to(self, user, *, review_status: str | None = None) -> StatementQuerySet:
        """What ``user`` sees: the public statements, or every statement for an editor who
        asks for rejected ones (``review_status``, the query parameter; the filter on it
        then narrows the list to them)."""
        if review_status == ReviewStatus.REJECTED and user_can_review(user):
            return self
        return self.public()


class ActorQuerySet(models.QuerySet):
    def live(self) -> ActorQuerySet:
        """Records not merged into another (merged ones redirect to their survivor)."""
        return self.filter(merged_into__isnull=True)


class PersonQuerySet(ActorQuerySet):
    def with_statement_count(self) -> PersonQuerySet:
        """``statement_count``: the public statements the person made."""
        return self.annotate(
            statement_count=_count_of(Statement.objects.public(), "speaker_person")
        )


class OrganisationQuerySet(ActorQuerySet):
    def with_statement_count(self) -> OrganisationQuerySet:
        """``statement_count``: the public statements made by the organisation itself or by
        anyone who holds (or held) a role in it, as its page lists them.

        Two counts added: a statement has one speaker, a person or an organisation
        (``statement_one_speaker``), so the two sets never overlap, and each count walks
        its own speaker index.
        """
        own = _count_of(Statement.objects.public(), "speaker_organisation")
        members = Membership.objects.filter(
            organisation=models.OuterRef(models.OuterRef("pk"))
        ).values("person_id")
        by_members = models.Subquery(
            Statement.objects.public()
            .filter(speaker_person__in=members)
            .order_by()
            .annotate(n=models.Func(template="COUNT(*)", output_field=models.IntegerField()))
            .values("n")[:1],
            output_field=models.IntegerField(),
        )
        return self.annotate(statement_count=own + by_members)


class EventQuerySet(models.QuerySet):
    def with_statement_count(self) -> EventQuerySet:
        """``statement_count``: the public statements made at the event."""
        return self.annotate(statement_count=_count_of(Statement.objects.public(), "event"))


class DocumentQuerySet(models.QuerySet):
    def with_statement_count(self) -> DocumentQuerySet:
        """``statement_count``: the public statements read from the document."""
        return self.annotate(statement_count=_count_of(Statement.objects.public(), "document"))


class OrganisationClassification(models.TextChoices):
    GOVERNMENT = "government", "government"
    MINISTRY = "ministry", "ministry"
    PRESIDENCY = "presidency", "presidency"
    PARTY = "party", "party"
    ARMED_GROUP = "armed group", "armed group"
    MOVEMENT = "movement", "movement"
    PARLIAMENT = "parliament", "parliament"
    MEDIA = "media", "media"
    INTERNATIONAL = "international organisation", "international organisation"
    STATE = "state", "state"
    OTHER = "other", "other"


class EventClassification(models.TextChoices):
    INTERVIEW = "interview", "interview"
    MEETING = "meeting", "meeting"
    PRESS_CONFERENCE = "press conference", "press conference"
    SPEECH = "speech", "speech"
    DEBATE = "debate", "debate"
    HEARING = "hearing", "hearing"
    SUMMIT = "summit", "summit"
    VISIT = "visit", "visit"
    PHONE_CALL = "phone call", "phone call"
    RALLY = "rally", "rally"
    WRITTEN_STATEMENT = "written statement", "written statement"
    OTHER = "other", "other"


class MembershipStatus(models.TextChoices):
    CURRENT = "current", "current"
    FORMER = "former", "former"


class PersonGender(models.TextChoices):
    MALE = "male", "male"
    FEMALE = "female", "female"


class OtherNameKind(models.TextChoices):
    ALTERNATE = "alternate", "alternate"
    ACRONYM = "acronym", "acronym"
    FORMER = "former", "former"
    NICKNAME = "nickname", "nickname"
    TRANSLITERATION = "transliteration", "transliteration"


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, help_text="When the row was created.")
    updated_at = models.DateTimeField(auto_now=True, help_text="When the row last changed.")

    class Meta:
        abstract = True


LEAD_MAX_LENGTH = 200
# A sentence ends at . ! or ? (after any closing quote or bracket) before a space.
_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)\]]*(?=\s)")


def first_sentence(text: str, *, limit: int = LEAD_MAX_LENGTH) -> str:
    """The first sentence of ``text``, cut at a word and marked with "…" past ``limit``."""
    text = " ".join(text.split())
    end = _SENTENCE_END.search(text)
    sentence = text[: end.end()] if end else text
    if len(sentence) <= limit:
        return sentence
    return sentence[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "\u2026"


class Document(models.Model):
    """One article. Its text is stored verbatim: every offset in kb points into it."""

    title = models.CharField(max_length=500, blank=True, help_text="Headline, if known.")
    url = models.URLField(max_length=2000, blank=True, help_text="Where the article was published.")
    publisher = models.CharField(max_length=200, blank=True, db_index=True, help_text="Outlet.")
    published_at = models.DateField(null=True, blank=True, help_text="Publication date, if known.")
    language = models.CharField(max_length=16, default="en", help_text="ISO 639-1 code.")
    text = models.TextField(help_text="The article text, verbatim; offsets point into it.")
    sha256 = models.CharField(
        max_length=64, unique=True, help_text="SHA-256 of the normalised text: the idempotency key."
    )
    source_path = models.CharField(
        max_length=1000, blank=True, help_text="File the document was read from."
    )
    metadata = models.JSONField(default=dict, blank=True, help_text="Any other metadata read.")
    word_count = models.PositiveIntegerField(default=0, help_text="Words in the text.")
    extractor_version = models.CharField(
        max_length=50, blank=True, help_text="Version of the extractor that last read the text."
    )
    ingested_at = models.DateTimeField(auto_now_add=True, help_text="When kb first stored it.")
    lead = models.CharField(
        max_length=LEAD_MAX_LENGTH,
        blank=True,
        editable=False,
        default="",
        help_text="The text's first sentence: the document's name when it has no title.",
    )

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["published_at", "id"], name="document_published_idx")]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args, **kwargs) -> None:
        self.lead = first_sentence(self.text)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("statements:document-detail", args=[self.pk])

    @property
    def display_name(self) -> str:
        """The one name of a document on every page: its title, else its first sentence."""
        return document_name(self.pk, self.title, self.lead)


def document_name(pk: int, title: str, lead: str) -> str:
    """``Document.display_name`` from a row's columns (pages drawn from rows, not models)."""
    return title or lead or f"Document {pk}"


def _unique_live_name(model_name: str, a_noun: str) -> models.UniqueConstraint:
    """One live record per name and disambiguation; merged records keep their names."""
    return models.UniqueConstraint(
        fields=["name_key", "disambiguation"],
        condition=Q(merged_into__isnull=True),
        name=f"{model_name}_unique_live_name",
        violation_error_message=f"{a_noun} with this name already exists; "
        "set a disambiguation to keep both.",
    )


class Actor(TimeStamped):
    """What people and organisations share: a name, a slug, a matching key, merges."""

    name = models.CharField(max_length=300, help_text="Display name, diacritics kept.")
    name_key = models.CharField(
        max_length=300,
        db_index=True,
        editable=False,
        help_text="Case- and accent-folded name used for matching.",
    )
    disambiguation = models.CharField(
        max_length=200,
        blank=True,
        default="",
        help_text="Set by a human to keep two records with the same name apart "
        "(e.g. 'journalist'). The name key is unique per disambiguation.",
    )
    slug = models.SlugField(max_length=100, unique=True, help_text="Stable URL part.")
    summary = models.TextField(blank=True, help_text="A short description.")
    wikidata_qid = models.CharField(
        max_length=20,
        unique=True,
        null=True,
        blank=True,
        validators=[RegexValidator(r"^Q\d+$", "A Wikidata QID looks like Q42.")],
        help_text="Wikidata item, e.g. Q42.",
    )
    needs_review = models.BooleanField(
        default=False, help_text="Created from a doubtful match: a human should check or merge it."
    )
    # PROTECT: a survivor that merged records point to must not vanish under them.
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
        help_text="Set when this record was merged into another; its URLs redirect there.",
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.name_key = name_key(self.name)
        if not self.slug:
            self.slug = self._unique_slug()
        super().save(*args, **kwargs)

    def _unique_slug(self) -> str:
        base = slug_base(self.name)
        slug, n = base, 2
        manager = type(self)._default_manager
        while manager.filter(slug=slug).exclude(pk=self.pk).exists():
            slug, n = f"{base}-{n}", n + 1
        return slug

    def resolve(self):
        """The record this one stands for now: itself, or the survivor of its merges."""
        record, seen = self, set()
        while record.merged_into_id is not None and record.pk not in seen:
            seen.add(record.pk)
            record = record.merged_into
        return record


class Person(Actor):
    """A person who speaks or is spoken about."""

    given_name = models.CharField(max_length=150, blank=True, help_text="First name(s).")
    family_name = models.CharField(max_length=150, blank=True, help_text="Surname.")
    honorific_prefix = models.CharField(
        max_length=50, blank=True, help_text="'Sheikh', 'Dr.': not part of the name."
    )
    gender = models.CharField(
        max_length=10,
        blank=True,
        choices=PersonGender.choices,
        help_text="As the texts mark it (titles, given names, pronouns); blank when unknown.",
    )
    surname_key = models.CharField(
        max_length=150,
        db_index=True,
        editable=False,
        blank=True,
        help_text="Matching key of the surname: candidates for a mention by surname alone.",
    )
    objects = PersonQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"
        constraints = [
            _unique_live_name("person", "A person"),
        ]

    def save(self, *args, **kwargs) -> None:
        self.surname_key = surname_key(self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("statements:person-detail", args=[self.slug])


class Organisation(Actor):
    """A government, ministry, party, movement, media outlet or state that acts or is acted on."""

    classification = models.CharField(
        max_length=50,
        blank=True,
        choices=OrganisationClassification.choices,
        db_index=True,
        help_text="What kind of organisation.",
    )
    country = models.CharField(
        max_length=3, blank=True, db_index=True, help_text="ISO 3166 alpha-3, where known."
    )
    # SET_NULL: losing a parent organisation should not delete its units.
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        help_text="The organisation this one belongs to.",
    )
    objects = OrganisationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            _unique_live_name("organisation", "An organisation"),
        ]

    def get_absolute_url(self) -> str:
        return reverse("statements:organisation-detail", args=[self.slug])


def _one_owner() -> Q:
    return Q(person__isnull=False, organisation__isnull=True) | Q(
        person__isnull=True, organisation__isnull=False
    )


class OtherName(models.Model):
    """An alias of a person or an organisation ("KRI" for "Kurdistan Region")."""

    # CASCADE: an alias means nothing without its owner.
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="other_names"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="other_names"
    )
    name = models.CharField(max_length=300, help_text="The alias as written.")
    name_key = models.CharField(
        max_length=300, db_index=True, editable=False, help_text="Matching key of the alias."
    )
    kind = models.CharField(
        max_length=20, choices=OtherNameKind.choices, default=OtherNameKind.ALTERNATE
    )
    note = models.CharField(max_length=300, blank=True, help_text="Where the alias comes from.")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=_one_owner(), name="othername_one_owner"),
            models.UniqueConstraint(
                fields=["person", "name_key"], name="othername_unique_person_alias"
            ),
            models.UniqueConstraint(
                fields=["organisation", "name_key"], name="othername_unique_organisation_alias"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.name_key = name_key(self.name)
        super().save(*args, **kwargs)


class Identifier(models.Model):
    """An identifier of a person or organisation in another system (Popolo ``identifiers``)."""

    # CASCADE: an identifier means nothing without its owner.
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="identifiers"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="identifiers"
    )
    scheme = models.CharField(max_length=50, help_text="'wikidata', 'viaf', 'twitter', ...")
    identifier = models.CharField(max_length=300, help_text="The identifier in that scheme.")

    class Meta:
        ordering = ["scheme", "identifier"]
        constraints = [
            models.CheckConstraint(condition=_one_owner(), name="identifier_one_owner"),
            models.UniqueConstraint(
                fields=["scheme", "identifier"], name="identifier_unique_per_scheme"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scheme}:{self.identifier}"


class Membership(TimeStamped):
    """A role a person holds in an organisation, as read from a document."""

    # CASCADE: a role is part of the person's record.
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    # PROTECT: deleting an organisation must not silently erase who worked there.
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
        help_text="Empty when the text names a role without an organisation.",
    )
    role = models.CharField(max_length=300, help_text="'Secretary-General', 'Ambassador to Iraq'.")
    start_date = models.CharField(
        max_length=10, blank=True, validators=[partial_date_validator], help_text="YYYY[-MM[-DD]]."
    )
    end_date = models.CharField(
        max_length=10, blank=True, validators=[partial_date_validator], help_text="YYYY[-MM[-DD]]."
    )
    status = models.CharField(
        max_length=10, choices=MembershipStatus.choices, default=MembershipStatus.CURRENT
    )
    # SET_NULL: a role stays known even if its source article is removed.
    document = models.ForeignKey(
        Document,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="memberships",
        help_text="The document the role was read from.",
    )
    start = models.PositiveIntegerField(null=True, blank=True, help_text="Offset of the phrase.")
    end = models.PositiveIntegerField(null=True, blank=True, help_text="End offset (exclusive).")
    source_text = models.CharField(max_length=1000, blank=True, help_text="The phrase as written.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["person__name", "-status", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "organisation", "role"], name="membership_unique_role"
            ),
        ]

    def __str__(self) -> str:
        where = f" ({self.organisation})" if self.organisation_id else ""
        return f"{self.person}: {self.role}{where}"


class Event(models.Model):
    """Something that happened at a time and place where statements were made."""

    name = models.CharField(max_length=300, help_text="'interview with VOA'.")
    classification = models.CharField(
        max_length=30, choices=EventClassification.choices, default=EventClassification.OTHER
    )
    date = models.DateField(null=True, blank=True, db_index=True, help_text="Resolved date.")
    date_text = models.CharField(max_length=100, blank=True, help_text="'on Friday', as written.")
    location = models.CharField(max_length=300, blank=True)
    # CASCADE: an event is read from one document and means nothing without it.
    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="events", null=True, blank=True
    )
    start = models.PositiveIntegerField(null=True, blank=True)
    end = models.PositiveIntegerField(null=True, blank=True)
    participants_people = models.ManyToManyField(
        Person, through="EventParticipant", related_name="events", blank=True
    )

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "name", "start"], name="event_unique_per_document_span"
            ),
        ]
        # PostgreSQL also has event_newest_idx (date DESC NULLS LAST, name, id), which
        # SQLite cannot declare: migration 0013.

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("statements:event-detail", args=[self.pk])


class EventParticipant(models.Model):
    """A person or organisation that took part in an event."""

    # CASCADE on all three: participation is part of the event.
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="participants")
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="participations"
    )
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="participations",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=_one_owner(), name="participant_one_owner"),
            models.UniqueConstraint(
                fields=["event", "person"],
                condition=Q(person__isnull=False),
                name="participant_unique_person",
            ),
            models.UniqueConstraint(
                fields=["event", "organisation"],
                condition=Q(organisation__isnull=False),
                name="participant_unique_organisation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person or self.organisation} at {self.event}"


class Mention(models.Model):
    """A name found in a document and what it resolved to; the document page draws these."""

    # CASCADE: a mention is a span of its document.
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="mentions")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    text = models.CharField(max_length=500)
    label = models.CharField(max_length=20, help_text="PERSON, ORG, GPE, NORP, PRON, ...")
    # SET_NULL: deleting an actor leaves the mention unresolved, not gone.
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="mentions"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="mentions"
    )

    class Meta:
        ordering = ["document", "start"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "start", "end"], name="mention_unique_span"
            ),
            models.CheckConstraint(condition=Q(start__lte=models.F("end")), name="mention_span"),
        ]

    def __str__(self) -> str:
        return self.text


class Statement(TimeStamped):
    """One occurrence of something said, in one document, tied to the words it came from."""

    # CASCADE: a statement is a span of its document and cannot outlive it.
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="statements")
    # SET_NULL on speakers: deleting an actor keeps the statement with its speaker_text.
    speaker_person = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="statements",
        help_text="The person who said it, when resolved.",
    )
    speaker_organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="statements",
        help_text="The organisation that said it, when the speaker is one.",
    )
    speaker_text = models.CharField(
        max_length=500, blank=True, help_text="The speaker mention as written ('he', 'Khazali')."
    )
    speaker_start = models.PositiveIntegerField(null=True, blank=True)
    speaker_end = models.PositiveIntegerField(null=True, blank=True)
    speaker_role = models.CharField(
        max_length=300, blank=True, help_text="The speaker's role as stated at that time."
    )
    # SET_NULL: the statement keeps speaker_role even if the membership row goes.
    membership = models.ForeignKey(
        Membership,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="statements",
        help_text="The membership the role refers to, when known.",
    )
    speaker_link_confidence = models.FloatField(
        null=True,
        blank=True,
        help_text="How sure the link to the speaker's record is, 0-1: 1 for a full name or "
        "alias, less for a surname or description the knowledge base resolved; empty when "
        "unlinked.",
    )
    cue = models.CharField(max_length=200, blank=True, help_text="'said', 'renewed the call for'.")
    cue_start = models.PositiveIntegerField(null=True, blank=True)
    cue_end = models.PositiveIntegerField(null=True, blank=True)
    cue_class = models.CharField(max_length=10, choices=CueClass.choices, default=CueClass.SPEECH)
    content = models.TextField(help_text="What was said.")
    content_start = models.PositiveIntegerField()
    content_end = models.PositiveIntegerField()
    content_spans = models.JSONField(
        default=list, blank=True, help_text="Fragments [[start, end], ...] of a split quotation."
    )
    kind = models.CharField(max_length=10, choices=StatementKind.choices, db_index=True)
    statement_type = models.CharField(
        max_length=20,
        choices=StatementType.choices,
        default=StatementType.STATEMENT,
        db_index=True,
    )
    cameo_code = models.CharField(max_length=10, blank=True, help_text="CAMEO 1.1b3 code.")
    plover_code = models.CharField(max_length=40, blank=True, help_text="PLOVER event (mode).")
    codebook_version = models.CharField(max_length=40, blank=True, default="CAMEO 1.1b3; PLOVER")
    targets_people = models.ManyToManyField(
        Person, through="StatementTarget", related_name="targeted_by", blank=True
    )
    # SET_NULL: the event may be deleted by an editor; the statement stays.
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.SET_NULL, related_name="statements"
    )
    date = models.DateField(
        null=True, blank=True, help_text="The event's date, else the document's publication date."
    )
    extractor_version = models.CharField(max_length=50, blank=True)
    confidence = models.FloatField(default=0.5, help_text="The extractor's confidence, 0-1.")
    original_extraction = models.JSONField(
        default=dict, blank=True, help_text="The machine's extraction, kept for comparison."
    )
    cluster_key = models.CharField(
        max_length=64,
        blank=True,
        db_index=True,
        help_text="Hash of the normalised quotation: groups the same quote across articles.",
    )
    # SET_NULL: a quote is derived from its statements (rebuilt by ``rebuild_quotes``);
    # removing one never removes what was said.
    quote = models.ForeignKey(
        "Quote",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="statements",
        help_text="The quotation this direct quote reports, with every other report of it.",
    )
    review_status = models.CharField(
        max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.AUTO
    )
    # SET_NULL: removing a user account must not remove their reviews.
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviewed_statements",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    objects = StatementQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "content_start", "content_end"],
                name="statement_unique_span",
                violation_error_message="This document already has a statement with this span.",
            ),
            models.CheckConstraint(
                condition=~Q(speaker_person__isnull=False, speaker_organisation__isnull=False),
                name="statement_one_speaker",
            ),
            models.CheckConstraint(
                condition=Q(content_start__lte=models.F("content_end")), name="statement_span"
            ),
        ]
        indexes = [
            models.Index(fields=["speaker_person", "-id"], name="statement_person_idx"),
            models.Index(fields=["speaker_organisation", "-id"], name="statement_org_idx"),
            models.Index(fields=["date", "id"], name="statement_date_idx"),
            models.Index(fields=["review_status", "-id"], name="statement_review_idx"),
            models.Index(fields=["document", "content_start"], name="statement_doc_idx"),
            models.Index(fields=["quote", "id"], name="statement_quote_idx"),
        ]

    def __str__(self) -> str:
        who = self.speaker_person or self.speaker_organisation or self.speaker_text or "unknown"
        text = self.content if len(self.content) <= 60 else self.content[:57] + "..."
        return f"{who}: {text}"

    def get_absolute_url(self) -> str:
        return reverse("statements:statement-detail", args=[self.pk])

    def clean(self) -> None:
        """Every offset must point into the document's text (an editor types them)."""
        super().clean()
        if self.document_id is None:
            return
        length = len(self.document.text)
        errors: dict[str, str] = {}
        for start_name, end_name in (
            ("content_start", "content_end"),
            ("speaker_start", "speaker_end"),
            ("cue_start", "cue_end"),
        ):
            start, end = getattr(self, start_name), getattr(self, end_name)
            if start is None and end is None:
                continue
            if start is None or end is None:
                errors[end_name] = "Give both offsets of the span, or neither."
            elif not 0 <= start <= end <= length:
                errors[end_name] = (
                    f"The span {start}-{end} is not inside the document's text "
                    f"(0-{length}, start before end)."
                )
        for span in self.content_spans or []:
            if not (
                isinstance(span, list | tuple)
                and len(span) == 2
                and all(isinstance(offset, int) for offset in span)
                and 0 <= span[0] <= span[1] <= length
            ):
                errors["content_spans"] = f"Each fragment must be [start, end] within 0-{length}."
                break
        if errors:
            raise ValidationError(errors)

    @property
    def speaker(self) -> Person | Organisation | None:
        return self.speaker_person or self.speaker_organisation


class RemovedStatement(models.Model):
    """A statement that re-extraction removed (its text no longer says it).

    Its address then answers 410 Gone with a link to its document instead of 404, so a
    bookmark or a citation of ``/statements/<id>/`` still leads somewhere. Ids are never
    reused, so an id is either a statement or a removed one.
    """

    statement_id = models.BigIntegerField(
        primary_key=True, help_text="The id the removed statement had (its old address)."
    )
    # CASCADE: with its document gone there is nothing left to point the reader to.
    document = models.ForeignKey(
        Document,
        on_delete=models.CASCADE,
        related_name="removed_statements",
        help_text="The document the statement was read from.",
    )
    removed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-removed_at"]

    def __str__(self) -> str:
        return f"statement {self.statement_id} (removed)"


class QuoteQuerySet(models.QuerySet):
    def public(self) -> QuoteQuerySet:
        """Quotes with at least one public statement (the counts are of public ones only)."""
        return self.filter(statement_count__gt=0)


class Quote(TimeStamped):
    """A quotation as an abstract object: the same words, reported by one or more documents.

    Direct quotes whose words are the same after normalisation, one a contiguous part of the
    other (a shorter cut, an ellipsis) or nearly the same (a word or two differ) share one
    quote (``statements/quoting.py`` decides; ``services/quotes.py`` keeps it up to date).
    Every field below is derived from its public statements and recomputed when they change;
    rejected statements belong to no quote.
    """

    text = models.TextField(help_text="The longest faithful report of the quotation.")
    # SET_NULL on speakers: the quote survives its speaker record; a refresh sets it again.
    speaker_person = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quotes",
        help_text="The person most of its statements name.",
    )
    speaker_organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quotes",
        help_text="The organisation most of its statements name, when that is an organisation.",
    )
    # SET_NULL: the next refresh finds the earliest remaining document.
    first_document = models.ForeignKey(
        Document,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="first_reported_quotes",
        help_text="The earliest document that reported it (by publication date).",
    )
    first_reported = models.DateField(
        null=True, blank=True, help_text="Publication date of the first document."
    )
    statement_count = models.PositiveIntegerField(default=0, help_text="Public statements.")
    document_count = models.PositiveIntegerField(default=0, help_text="Documents that carry it.")
    outlet_count = models.PositiveIntegerField(
        default=0, help_text="Distinct publishers that carry it (documents with none not counted)."
    )
    speaker_count = models.PositiveIntegerField(
        default=0, help_text="Distinct speaker records its statements name."
    )
    conflicting = models.BooleanField(
        default=False, help_text="Its statements name different speaker records."
    )
    objects = QuoteQuerySet.as_manager()

    class Meta:
        ordering = ["-outlet_count", "-document_count", "-id"]
        indexes = [
            models.Index(
                fields=["-outlet_count", "-document_count", "-id"], name="quote_repeated_idx"
            ),
            models.Index(
                fields=["speaker_person", "-outlet_count", "-document_count", "-id"],
                name="quote_person_idx",
            ),
            models.Index(
                fields=["speaker_organisation", "-outlet_count", "-document_count", "-id"],
                name="quote_org_idx",
            ),
            models.Index(fields=["first_reported", "id"], name="quote_first_idx"),
            models.Index(
                fields=["-id"], condition=Q(conflicting=True), name="quote_conflicting_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.text if len(self.text) <= 80 else self.text[:77] + "..."

    def get_absolute_url(self) -> str:
        return reverse("statements:quote-detail", args=[self.pk])

    @property
    def speaker(self) -> Person | Organisation | None:
        return self.speaker_person or self.speaker_organisation


class QuoteFingerprint(models.Model):
    """One winnowed fingerprint of a direct quote's words (``statements/quoting.py``).

    The candidate index: a new quotation looks up the statements sharing its fingerprints
    (an index scan per fingerprint) instead of comparing itself with every quotation.
    """

    # CASCADE: a fingerprint describes one statement's words.
    statement = models.ForeignKey(
        Statement, on_delete=models.CASCADE, related_name="quote_fingerprints"
    )
    fingerprint = models.BigIntegerField(help_text="Hash of a run of words (winnowing).")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["fingerprint", "statement"], name="quote_fingerprint_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fingerprint} ({self.statement_id})"


class StatementTarget(models.Model):
    """An actor a statement is about or addressed to ("Turkey" in a demand that Turkey withdraw)."""

    # CASCADE on all: a target is part of the statement.
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="targets")
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="targeted_in"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="targeted_in"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=_one_owner(), name="target_one_owner"),
            models.UniqueConstraint(
                fields=["statement", "person"],
                condition=Q(person__isnull=False),
                name="target_unique_person",
            ),
            models.UniqueConstraint(
                fields=["statement", "organisation"],
                condition=Q(organisation__isnull=False),
                name="target_unique_organisation",
            ),
        ]

    def __str__(self) -> str:
        return str(self.person or self.organisation)


class IngestItemState(models.TextChoices):
    """Where one input of an ingest run stands; the finished states are ``IngestOutcome``'s."""

    PENDING = "pending", "pending"
    CREATED = "created", "created"
    UNCHANGED = "unchanged", "unchanged"
    RE_EXTRACTED = "re_extracted", "re-extracted"
    FAILED = "failed", "failed"


class IngestRun(models.Model):
    """One queued ingestion (``ingest --queue``, the admin's re-extract with a broker).

    Its inputs are ``IngestRunItem`` rows, one per input read; the run's counts are theirs,
    so they stay right whichever worker finishes which document, and however often a
    document's task is delivered.
    """

    created_at = models.DateTimeField(auto_now_add=True, help_text="When the run was asked for.")
    enqueued_at = models.DateTimeField(
        null=True, blank=True, help_text="When every input had been read and its task sent."
    )
    finished_at = models.DateTimeField(
        null=True, blank=True, help_text="When the last document was stored or failed."
    )
    inputs = models.JSONField(default=list, blank=True, help_text="The paths asked for.")
    force = models.BooleanField(default=False, help_text="Stored documents were re-extracted.")
    model_name = models.CharField(max_length=200, blank=True, help_text="spaCy pipeline package.")
    relinked = models.PositiveIntegerField(
        default=0, help_text="Speakers re-linked once every document was stored."
    )

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"ingest run {self.pk}"

    @property
    def finished(self) -> bool:
        return self.finished_at is not None


class IngestRunItem(models.Model):
    """One input of an ingest run: a file (or record) read, and what became of it."""

    # CASCADE: an item is part of its run.
    run = models.ForeignKey(IngestRun, on_delete=models.CASCADE, related_name="items")
    path = models.CharField(max_length=1000, help_text="Where the input was read from.")
    sha256 = models.CharField(max_length=64, blank=True, help_text="Of its normalised text.")
    queued = models.BooleanField(
        default=False, help_text="Sent to the workers (else settled when the input was read)."
    )
    state = models.CharField(
        max_length=16,
        choices=IngestItemState.choices,
        default=IngestItemState.PENDING,
        help_text="pending until a worker stores it or gives up.",
    )
    reason = models.TextField(blank=True, help_text="Why it failed (or last failed, if retried).")
    attempts = models.PositiveIntegerField(
        default=0, help_text="Times a worker tried it and recorded a failure."
    )
    deliveries = models.PositiveIntegerField(
        default=0,
        help_text="Times a worker began it. More beginnings than settled attempts mean a "
        "worker was lost on it (killed, out of memory, over its time limit).",
    )
    # SET_NULL: the run's record outlives a document deleted later.
    document = models.ForeignKey(
        Document,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ingest_items",
        help_text="The stored document.",
    )
    words = models.PositiveIntegerField(default=0, help_text="Words parsed.")
    counts = models.JSONField(default=dict, blank=True, help_text="Rows its store created.")
    worker = models.CharField(max_length=200, blank=True, help_text="Host and process it ran in.")
    payload = models.JSONField(
        default=dict,
        blank=True,
        help_text="The planned document sent to the workers, kept until the item is settled "
        "so that it can be sent again (`ingest_status RUN --requeue`).",
    )
    started_at = models.DateTimeField(
        null=True, blank=True, help_text="When a worker last began it."
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["run", "state"], name="ingest_item_run_state_idx")]

    def __str__(self) -> str:
        return f"{self.path} ({self.state})"


# -- summaries ---------------------------------------------------------------------------------


class SummarySubject(models.TextChoices):
    """What a summary row describes: a person or an organisation as the speaker (its own
    statements), an event (the statements made at it), or an organisation with its members
    (its own statements and those of everyone counted in ``SummaryMember``)."""

    PERSON = "p", "person"
    ORGANISATION = "o", "organisation"
    EVENT = "e", "event"
    MEMBERS = "m", "organisation with its members"


# ``SummaryCount.month`` of undated statements.
UNDATED_MONTH = 0


class SummaryCount(models.Model):
    """How many public statements a subject made in a month, by type and kind.

    Summaries are data, not a cache: the services that change statements (ingest,
    re-extraction, review, merge, re-link, backup import) add the difference their change
    makes in the same transaction (``services/summaries.py``), so the person, organisation
    and event pages read a few rows instead of counting every statement of a much-quoted
    speaker. ``manage.py rebuild_summaries`` recounts them; ``--check`` compares.
    Subjects are keyed by kind and id, not foreign keys: one unique key serves the additive
    upsert on SQLite and PostgreSQL alike.
    """

    subject_kind = models.CharField(max_length=1, choices=SummarySubject.choices)
    subject_id = models.BigIntegerField(help_text="Id of the person, organisation or event.")
    month = models.PositiveIntegerField(help_text="YYYYMM of the statements' date; 0 undated.")
    statement_type = models.CharField(max_length=20, choices=StatementType.choices)
    kind = models.CharField(max_length=10, choices=StatementKind.choices)
    # Signed: a change adds its difference in one upsert, negative parts included.
    n = models.IntegerField(help_text="Public statements.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subject_kind", "subject_id", "month", "statement_type", "kind"],
                name="summarycount_unique_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject_kind}{self.subject_id} {self.month} {self.statement_type}: {self.n}"


class SummaryDay(models.Model):
    """Public statements a subject made on a day, by type: the first and last dates and
    the day-by-day timeline of a subject whose statements span two months or less."""

    subject_kind = models.CharField(max_length=1, choices=SummarySubject.choices)
    subject_id = models.BigIntegerField()
    day = models.DateField()
    statement_type = models.CharField(max_length=20, choices=StatementType.choices)
    n = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subject_kind", "subject_id", "day", "statement_type"],
                name="summaryday_unique_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject_kind}{self.subject_id} {self.day} {self.statement_type}: {self.n}"


class SummaryLink(models.Model):
    """Public statements linking a source to a target: a speaker (or an event) to each
    actor its statements are about (the talk graph, both ways), and a speaker to each
    event it spoke at (target kind ``e``)."""

    source_kind = models.CharField(max_length=1, choices=SummarySubject.choices)
    source_id = models.BigIntegerField()
    target_kind = models.CharField(max_length=1, choices=SummarySubject.choices)
    target_id = models.BigIntegerField()
    n = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source_kind", "source_id", "target_kind", "target_id"],
                name="summarylink_unique_key",
            )
        ]
        # The talk lists read a subject's links most statements first and stop after a
        # few; the covering columns let the total of the same links be read from the index.
        indexes = [
            models.Index(
                fields=["source_kind", "source_id", "n"],
                include=["target_kind", "target_id"],
                name="summarylink_source_n_idx",
            ),
            models.Index(
                fields=["target_kind", "target_id", "n"],
                include=["source_kind", "source_id"],
                name="summarylink_target_n_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_kind}{self.source_id} -> {self.target_kind}{self.target_id}: {self.n}"


class SummaryMember(models.Model):
    """A person whose statements count in an organisation's members' summary (subject kind
    ``m``): one row per organisation and person holding any role in it, past or present.

    Why a table of its own: the members' summary adds up thousands of people's rows for a
    national government, so it is kept as data; these rows say whose rows it holds, so that
    a membership added, moved or deleted adds or takes away exactly that person's share
    (``services/summaries.py``, ``summaries_members_sync``) whatever order a change makes
    its writes in.
    """

    organisation_id = models.BigIntegerField(help_text="Id of the organisation.")
    person_id = models.BigIntegerField(help_text="Id of a person holding a role in it.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation_id", "person_id"], name="summarymember_unique_pair"
            )
        ]
        indexes = [models.Index(fields=["person_id"], name="summarymember_person_idx")]

    def __str__(self) -> str:
        return f"o{self.organisation_id} counts p{self.person_id}"


class SummaryRelation(models.TextChoices):
    """How a statement is on a subject's list: said by it, or about it (a target)."""

    SAID = "s", "said by"
    ABOUT = "a", "about"


# ``SummaryStatement.sort_date`` of undated statements: after every dated one, newest first.
UNDATED_SORT_DATE = dt.date(1, 1, 1)


class SummaryStatement(models.Model):
    """A public statement on a subject's list, keyed in the order the pages show them
    (newest first: ``sort_date``, then ``statement_id``, both descending).

    Said by a person or an organisation (its ``speaker_person`` or ``speaker_organisation``),
    by an organisation or anyone counted as its member (kind ``m``, as its members'
    summary), or about a person or an organisation (one of its targets).

    Why a table: the newest statements about an actor, or by an organisation and its
    thousands of members, were found by gathering and sorting every one of them (or by
    walking the whole table newest first) on each view; here they are the first entries of
    one index, whatever the actor's size. Kept exact like the other summaries, in the same
    transaction as the change (``services/summaries.py``).
    """

    subject_kind = models.CharField(max_length=1, choices=SummarySubject.choices)
    subject_id = models.BigIntegerField()
    relation = models.CharField(max_length=1, choices=SummaryRelation.choices)
    sort_date = models.DateField(help_text="The statement's date; undated: 0001-01-01.")
    statement_id = models.BigIntegerField()
    # Signed like the other summaries (a change writes its difference); 2 when a statement
    # reaches a members' list twice (by the organisation and by one of its members).
    n = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subject_kind", "subject_id", "relation", "sort_date", "statement_id"],
                name="summarystatement_unique_key",
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.subject_kind}{self.subject_id} {self.relation} {self.sort_date} "
            f"#{self.statement_id}: {self.n}"
        )
