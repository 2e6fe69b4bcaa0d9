"""documents_ingest: engine records -> rows, idempotency, --force and human edits.

Assertions hold for any reasonable extraction: what is stored equals what the engine
returned, offsets slice the stored text, re-runs change nothing. Nothing here hard-codes
what the (still improving) engine finds, except in hand-built Extractions.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.db import models as dj_models

from statements import models
from statements.nlp import extract
from statements.nlp.records import (
    DocumentMetadata,
    EntityRecord,
    EventRecord,
    Extraction,
    MentionRecord,
    RoleRecord,
    StatementRecord,
    TextSpan,
)
from statements.readers import ReadError, SourceDocument, sources_read
from statements.services.entities import ResolutionCache, actor_resolve, actors_resolve
from statements.services.ingest import (
    documents_ingest,
    extraction_ingest,
    text_normalise,
    text_sha256,
)

TABLES = [
    models.Document,
    models.Person,
    models.Organisation,
    models.OtherName,
    models.Membership,
    models.Event,
    models.EventParticipant,
    models.Mention,
    models.Statement,
    models.StatementTarget,
]


def table_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in TABLES}


def stored_statement_records(extraction: Extraction) -> list[StatementRecord]:
    """The engine's statements the service must store: stored cue classes, one per span."""
    seen, kept = set(), []
    for record in extraction.statements:
        span = (record.content_start, record.content_end)
        if record.cue_class in settings.KB_STORED_CUE_CLASSES and span not in seen:
            seen.add(span)
            kept.append(record)
    return kept


def statement_fields(statement: models.Statement) -> dict:
    return {
        f.attname: getattr(statement, f.attname)
        for f in models.Statement._meta.concrete_fields
        if f.attname != "updated_at"
    }


# ----------------------------------------------------------------- the seed, end to end


def test_seed_rows_equal_the_engine_extraction(ingested_seed, nlp_pipeline):
    document = ingested_seed
    extraction = extract(document.text, DocumentMetadata(published="2024-05-10"), nlp=nlp_pipeline)
    assert document.publisher == "Example News"
    assert document.published_at == dt.date(2024, 5, 10)
    assert document.sha256 == text_sha256(document.text)
    assert document.text == text_normalise(document.text)

    expected = stored_statement_records(extraction)
    assert document.statements.count() == len(expected) > 0
    assert {(s.content_start, s.content_end) for s in document.statements.all()} == {
        (r.content_start, r.content_end) for r in expected
    }
    assert document.mentions.count() == len({(m.start, m.end) for m in extraction.mentions})
    assert document.events.count() == len(extraction.events)
    people = {e.name for e in extraction.entities if e.kind == "person"}
    organisations = {e.name for e in extraction.entities if e.kind == "organisation"}
    assert people <= set(models.Person.objects.values_list("name", flat=True))
    assert organisations <= set(models.Organisation.objects.values_list("name", flat=True))
    assert models.Membership.objects.filter(document=document).count() <= len(extraction.roles)
    for statement in document.statements.all():
        assert statement.review_status == models.ReviewStatus.AUTO
        assert statement.cue_class in settings.KB_STORED_CUE_CLASSES
        assert statement.original_extraction["content_start"] == statement.content_start
        assert statement.cluster_key and statement.extractor_version
        assert statement.date == (
            statement.event.date
            if statement.event and statement.event.date
            else document.published_at
        )


def test_every_stored_offset_slices_the_stored_text(ingested_seed):
    text = ingested_seed.text
    for mention in ingested_seed.mentions.all():
        assert text[mention.start : mention.end] == mention.text
    for statement in ingested_seed.statements.all():
        fragments = [text[start:end] for start, end in statement.content_spans]
        assert " ... ".join(fragments) == statement.content
        assert statement.content_spans[0][0] == statement.content_start
        assert statement.content_spans[-1][1] == statement.content_end
        if statement.speaker_start is not None:
            assert text[statement.speaker_start : statement.speaker_end] == statement.speaker_text
        if statement.cue_start is not None:
            assert text[statement.cue_start : statement.cue_end] == statement.cue
    for membership in models.Membership.objects.filter(document=ingested_seed):
        if membership.start is not None:
            assert text[membership.start : membership.end] == membership.source_text
    for event in ingested_seed.events.all():
        assert 0 <= (event.start or 0) <= (event.end or 0) <= len(text)


def test_second_run_changes_nothing(ingested_seed, nlp_pipeline, seed_path):
    before = table_counts()
    report = documents_ingest(sources_read([str(seed_path)]), nlp=nlp_pipeline)
    assert (report.created, report.unchanged, report.re_extracted, report.failed) == (0, 1, 0, 0)
    assert report.statements_created == report.people_created == 0
    assert table_counts() == before


def test_same_text_with_other_line_endings_is_unchanged(ingested_seed, nlp_pipeline):
    variant = "\n\n" + ingested_seed.text.replace("\n", "\r\n") + "  \n"
    report = documents_ingest([SourceDocument("crlf.txt", variant)], nlp=nlp_pipeline)
    assert report.unchanged == 1 and report.created == 0


def test_force_keeps_human_edits_exactly(ingested_seed, nlp_pipeline, seed_path):
    statements = list(ingested_seed.statements.order_by("content_start"))
    assert len(statements) >= 3, "the seed article has several statements"
    someone = models.Person.objects.create(name="Edited Speaker")
    edited, accepted, rejected = statements[0], statements[1], statements[2]
    edited.content = "A corrected text, typed by a reviewer."
    edited.speaker_person = someone
    edited.statement_type = models.StatementType.THREAT
    edited.review_status = models.ReviewStatus.EDITED
    edited.save()
    accepted.review_status = models.ReviewStatus.ACCEPTED
    accepted.save()
    rejected.review_status = models.ReviewStatus.REJECTED
    rejected.save()
    human = {s.pk: statement_fields(s) for s in (edited, accepted, rejected)}
    auto_before = ingested_seed.statements.filter(review_status="auto").count()

    report = documents_ingest(sources_read([str(seed_path)]), force=True, nlp=nlp_pipeline)
    assert (report.re_extracted, report.created, report.failed) == (1, 0, 0)
    for pk, fields in human.items():
        assert statement_fields(models.Statement.objects.get(pk=pk)) == fields
    # The machine's statements were read again: same number and ids (same text, same engine).
    assert ingested_seed.statements.filter(review_status="auto").count() == auto_before
    assert report.statements_kept == auto_before and report.statements_created == 0
    counts = table_counts()

    again = documents_ingest(sources_read([str(seed_path)]), force=True, nlp=nlp_pipeline)
    assert again.re_extracted == 1
    assert table_counts() == counts
    for pk, fields in human.items():
        assert statement_fields(models.Statement.objects.get(pk=pk)) == fields


def test_force_skips_machine_statements_overlapping_a_kept_one(ingested_seed, nlp_pipeline):
    statement = ingested_seed.statements.order_by("content_start").first()
    statement.review_status = models.ReviewStatus.EDITED
    statement.content_end -= 1  # the reviewer trimmed the span
    statement.content = ingested_seed.text[statement.content_start : statement.content_end]
    statement.content_spans = [[statement.content_start, statement.content_end]]
    statement.save()
    total = ingested_seed.statements.count()
    documents_ingest([SourceDocument("seed", ingested_seed.text)], force=True, nlp=nlp_pipeline)
    assert ingested_seed.statements.count() == total
    overlapping = ingested_seed.statements.filter(
        content_start__lt=statement.content_end, content_end__gt=statement.content_start
    )
    assert list(overlapping) == [statement]


def test_dry_run_stores_nothing_but_reports(db, nlp_pipeline, seed_text):
    report = documents_ingest([SourceDocument("seed", seed_text)], dry_run=True, nlp=nlp_pipeline)
    assert report.dry_run and report.created == 1 and report.statements_created > 0
    assert all(count == 0 for count in table_counts().values())


def test_failures_are_reported_and_the_rest_stored(db, nlp_pipeline):
    sources = [
        ReadError("bad.txt", "binary file"),
        SourceDocument("good.txt", "The minister said on Friday that the talks would resume."),
        SourceDocument("blank.txt", " \n "),
    ]
    report = documents_ingest(sources, nlp=nlp_pipeline)
    assert report.created == 1 and report.failed == 2
    assert [path for path, _ in report.failures] == ["bad.txt", "blank.txt"]
    assert models.Document.objects.count() == 1


def test_duplicate_texts_in_one_run_are_stored_once(db, nlp_pipeline):
    text = "The minister said on Friday that the talks would resume."
    report = documents_ingest(
        [SourceDocument("a.txt", text), SourceDocument("b.txt", text + "\n")], nlp=nlp_pipeline
    )
    assert (report.created, report.unchanged) == (1, 1)
    assert models.Document.objects.count() == 1


def test_publisher_and_published_fill_only_missing_metadata(db, nlp_pipeline):
    own = SourceDocument(
        "own.txt",
        "The mayor said the bridge would reopen.",
        DocumentMetadata(publisher="Daily", published="2020-01-01"),
    )
    bare = SourceDocument("bare.txt", "The governor said the road would close.")
    documents_ingest([own, bare], publisher="Fallback", published="2024-05-10", nlp=nlp_pipeline)
    assert models.Document.objects.get(source_path="own.txt").publisher == "Daily"
    assert models.Document.objects.get(source_path="own.txt").published_at == dt.date(2020, 1, 1)
    assert models.Document.objects.get(source_path="bare.txt").publisher == "Fallback"
    assert models.Document.objects.get(source_path="bare.txt").published_at == dt.date(2024, 5, 10)


def test_same_full_name_in_two_documents_is_one_person(ingest_text):
    first = ingest_text(
        "Hawre Tawfiq, a senior Iraqi official, said on Monday that the talks had failed."
    )
    second = ingest_text(
        "Hawre Tawfiq said on Tuesday that Baghdad would send a delegation to Ankara."
    )
    assert first.pk != second.pk
    key_counts = (
        models.Person.objects.filter(merged_into__isnull=True)
        .values("name_key", "disambiguation")
        .annotate(n=dj_models.Count("id"))
        .filter(n__gt=1)
    )
    assert not key_counts
    people = models.Person.objects.filter(name_key="hawre tawfiq")
    assert people.count() <= 1


# ------------------------------------------------------------- a hand-built extraction

TEXT = (
    "Sheikh Qais al-Khazali, Secretary-General of Asa’ib Ahl al-Haq, met Turkish diplomats "
    "on Friday. “Turkey must withdraw,” Khazali said. He believes the talks will fail."
)


def _span(needle: str, occurrence: int = 0) -> TextSpan:
    start = -1
    for _ in range(occurrence + 1):
        start = TEXT.index(needle, start + 1)
    return TextSpan(start, start + len(needle), needle)


def hand_extraction() -> Extraction:
    khazali = _span("Qais al-Khazali")
    surname = _span("Khazali", 1)
    movement = _span("Asa’ib Ahl al-Haq")
    role = _span("Secretary-General of Asa’ib Ahl al-Haq")
    quote = _span("Turkey must withdraw,")
    cue = _span("said")
    belief = _span("the talks will fail")
    meeting = _span("met Turkish diplomats on Friday")
    entities = (
        EntityRecord(
            "P1",
            "person",
            "Qais al-Khazali",
            given_name="Qais",
            family_name="al-Khazali",
            honorific_prefix="Sheikh",
            mentions=(khazali, surname),
        ),
        EntityRecord(
            "O1",
            "organisation",
            "Asa’ib Ahl al-Haq",
            classification="movement",
            aliases=("AAH",),
            mentions=(movement,),
        ),
        EntityRecord("O2", "organisation", "Turkey", classification="state", country="TUR"),
    )
    mentions = (
        MentionRecord(khazali.start, khazali.end, khazali.text, "PERSON", "P1"),
        MentionRecord(surname.start, surname.end, surname.text, "PERSON", "P1"),
        MentionRecord(movement.start, movement.end, movement.text, "ORG", "O1"),
    )
    roles = (
        RoleRecord(
            "P1",
            "Secretary-General",
            organisation_key="O1",
            organisation_name="Asa’ib Ahl al-Haq",
            start=role.start,
            end=role.end,
            text=role.text,
        ),
    )
    events = (
        EventRecord(
            "E1",
            "meeting with Turkish diplomats",
            "meeting",
            date="2024-05-10",
            date_text="on Friday",
            participant_keys=("P1", "O2"),
            start=meeting.start,
            end=meeting.end,
            text=meeting.text,
        ),
    )
    statements = (
        StatementRecord(
            content=quote.text,
            content_start=quote.start,
            content_end=quote.end,
            content_spans=((quote.start, quote.end),),
            kind="direct",
            cue="said",
            cue_start=cue.start,
            cue_end=cue.end,
            speaker_text="Khazali",
            speaker_start=surname.start,
            speaker_end=surname.end,
            speaker_key="P1",
            speaker_resolved="Qais al-Khazali",
            speaker_role="Secretary-General",
            statement_type="demand",
            cameo="1056",
            plover="REQUEST",
            target_keys=("O2", "O2"),
            event_key="E1",
            confidence=0.9,
        ),
        StatementRecord(
            content=belief.text,
            content_start=belief.start,
            content_end=belief.end,
            content_spans=((belief.start, belief.end),),
            kind="indirect",
            cue="believes",
            cue_class="belief",
            speaker_text="He",
            speaker_key="P1",
        ),
    )
    return Extraction(
        text=TEXT,
        metadata=DocumentMetadata(published="2024-05-11"),
        entities=entities,
        mentions=mentions,
        roles=roles,
        events=events,
        statements=statements,
        word_count=len(TEXT.split()),
    )


def test_hand_built_extraction_maps_onto_every_model(db):
    source = SourceDocument("hand.txt", TEXT, DocumentMetadata(published="2024-05-11"))
    report = extraction_ingest(source, hand_extraction())
    assert (report.created, report.failed) == (1, 0), report.failures
    assert (report.people_created, report.organisations_created) == (1, 2)
    assert (report.events_created, report.statements_created) == (1, 1)

    document = models.Document.objects.get()
    person = models.Person.objects.get()
    assert (person.name, person.given_name, person.family_name, person.honorific_prefix) == (
        "Qais al-Khazali",
        "Qais",
        "al-Khazali",
        "Sheikh",
    )
    movement = models.Organisation.objects.get(name="Asa’ib Ahl al-Haq")
    assert movement.classification == "movement"
    alias = movement.other_names.get()
    assert (alias.name, alias.kind) == ("AAH", models.OtherNameKind.ACRONYM)
    membership = models.Membership.objects.get()
    assert (membership.person, membership.organisation, membership.role) == (
        person,
        movement,
        "Secretary-General",
    )
    assert document.text[membership.start : membership.end] == membership.source_text
    event = models.Event.objects.get()
    assert event.date == dt.date(2024, 5, 10) and event.classification == "meeting"
    assert {str(p) for p in event.participants.all()} == {
        f"Qais al-Khazali at {event}",
        f"Turkey at {event}",
    }
    statement = models.Statement.objects.get()  # the belief is not stored by default
    assert statement.speaker_person == person and statement.membership == membership
    assert statement.event == event and statement.date == event.date
    assert (statement.statement_type, statement.cameo_code, statement.plover_code) == (
        "demand",
        "1056",
        "REQUEST",
    )
    assert [t.organisation.name for t in statement.targets.all()] == ["Turkey"]
    assert statement.original_extraction["speaker_key"] == "P1"
    assert models.Mention.objects.filter(person=person).count() == 2

    again = extraction_ingest(source, hand_extraction())
    assert again.unchanged == 1


def test_stored_cue_classes_setting_lets_beliefs_in(db, settings):
    settings.KB_STORED_CUE_CLASSES = ["speech", "writing", "belief"]
    extraction_ingest(SourceDocument("hand.txt", TEXT), hand_extraction())
    assert set(models.Statement.objects.values_list("cue_class", flat=True)) == {
        "speech",
        "belief",
    }


def test_alias_in_another_document_resolves_to_the_same_organisation(db):
    extraction_ingest(SourceDocument("hand.txt", TEXT), hand_extraction())
    organisation = actor_resolve(organisation_record("AAH")).actor
    assert organisation.name == "Asa’ib Ahl al-Haq"
    assert actor_resolve(organisation_record("Asa'ib Ahl al Haq")).actor == organisation


# ------------------------------------------------------------------- actor resolution


def person_record(name: str, key: str = "P1", **fields) -> EntityRecord:
    return EntityRecord(key=key, kind="person", name=name, **fields)


def organisation_record(name: str, key: str = "O1", **fields) -> EntityRecord:
    return EntityRecord(key=key, kind="organisation", name=name, **fields)


def test_surname_alone_never_creates_a_record(db):
    link = actor_resolve(person_record("Tawfiq"))
    assert link.actor is None and link.confidence is None
    assert not models.Person.objects.exists()


def test_surname_alone_links_to_the_one_person_of_that_surname(db):
    full = actor_resolve(person_record("Hawre Tawfiq")).actor
    link = actor_resolve(person_record("Tawfiq"))
    assert link.actor == full and link.confidence == 1.0


def test_surname_link_weighs_gender_and_how_often_each_is_quoted(db, settings):
    settings.KB_SURNAME_LINK_MIN_CONFIDENCE = 0.6
    hillary = models.Person.objects.create(name="Hillary Clinton", gender="female")
    bill = models.Person.objects.create(name="Bill Clinton", gender="male")
    document = models.Document.objects.create(text="x", sha256="x" * 64)
    for start in range(3):
        models.Statement.objects.create(
            document=document,
            speaker_person=hillary,
            content="x",
            content_start=start,
            content_end=start + 1,
            kind="direct",
        )
    plain = actor_resolve(person_record("Clinton"))
    assert plain.actor == hillary and plain.confidence == 0.8  # (3 + 1) / (4 + 1)
    assert actor_resolve(person_record("Clinton", gender="male")).actor == bill
    assert actor_resolve(person_record("Clinton", gender="female")).actor == hillary
    settings.KB_SURNAME_LINK_MIN_CONFIDENCE = 0.9
    doubtful = actor_resolve(person_record("Clinton"))
    assert doubtful.actor is None and set(doubtful.candidates) == {hillary, bill}


def test_a_particle_that_is_a_given_name_begins_a_full_name(db):
    # "Al" written apart and capitalised is a given name; "al-Hadi" is a surname.
    assert actor_resolve(person_record("Al Brannigan")).actor.name == "Al Brannigan"
    assert actor_resolve(person_record("al-Hadi")).actor is None
    assert actor_resolve(person_record("De Santoro")).actor is None


def test_middle_initials_and_suffixes(db):
    donald = actor_resolve(person_record("Donald J. Trump")).actor
    assert actor_resolve(person_record("Donald Trump")).actor == donald
    junior = actor_resolve(person_record("Donald Trump Jr.")).actor
    assert junior != donald
    assert actor_resolve(person_record("Trump")).actor == donald


def test_accents_and_case_match_the_same_person(db):
    first = actor_resolve(person_record("Anıl Bora İnan")).actor
    assert actor_resolve(person_record("ANIL BORA INAN")).actor == first


def test_doubtful_match_creates_a_record_for_review(db):
    models.Person.objects.create(name="John Smith", disambiguation="journalist")
    models.Person.objects.create(name="John Smith", disambiguation="senator")
    person = actor_resolve(person_record("John Smith")).actor
    assert person.needs_review and person.disambiguation == ""


def test_merged_record_resolves_to_the_survivor(db):
    survivor = models.Person.objects.create(name="Qais al-Khazali")
    models.Person.objects.create(name="Qays al-Khazali", merged_into=survivor)
    assert actor_resolve(person_record("Qays al Khazali")).actor == survivor


@pytest.mark.parametrize("bad", ["10/05/2024", "yesterday"])
def test_bad_published_default_is_refused(db, bad):
    with pytest.raises(ReadError):
        documents_ingest([], published=bad)


def test_a_batch_resolves_as_single_lookups_do(db):
    """actors_resolve (used by ingest) and actor_resolve (a batch of one) agree."""
    full = actor_resolve(person_record("Hawre Tawfiq")).actor
    kri = actor_resolve(organisation_record("Kurdistan Region", aliases=("KRI",))).actor
    models.Person.objects.create(name="John Smith", disambiguation="journalist")
    records = [
        person_record("Tawfiq", "P1"),
        person_record("HAWRE TAWFIQ", "P2"),
        person_record("John Smith", "P3"),
        person_record("Anıl Bora İnan", "P4", given_name="Anıl"),
        organisation_record("KRI", "O1"),
        organisation_record("Kurdistan Regional Government", "O2", aliases=("KRG",)),
    ]
    resolved = actors_resolve(records, cache=ResolutionCache())
    actors = resolved.actors
    assert actors["P1"] == actors["P2"] == full
    assert resolved.links["P1"].confidence == 1.0
    assert actors["P3"].needs_review and actors["P3"].disambiguation == ""
    assert not actors["P4"].needs_review and actors["P4"].given_name == "Anıl"
    assert actors["O1"] == kri
    assert actors["O2"].other_names.get().kind == models.OtherNameKind.ACRONYM
    assert (resolved.people_created, resolved.organisations_created) == (2, 1)
    again = actors_resolve(records, cache=ResolutionCache())
    assert {k: a.pk for k, a in again.actors.items()} == {k: a.pk for k, a in actors.items()}
    assert (again.people_created, again.organisations_created) == (0, 0)
    for record in records:
        assert actor_resolve(record).actor == actors[record.key]
    assert len({a.slug for a in models.Person.objects.all()}) == models.Person.objects.count()


def test_two_workers_store_what_the_engine_finds_in_every_document(db, nlp_pipeline, seed_text):
    """``workers=2`` parses in forked processes; rows and order match the engine's output."""
    texts = [
        seed_text,
        "“The border must be secured,” the minister said on Monday.",
        "Officials said that the talks had failed.",
        "Mayor Anne Hidalgo said the bridge would reopen in June.",
        "The president rejected the proposal, calling it unacceptable.",
    ]
    sources = [SourceDocument(f"{i}.txt", text) for i, text in enumerate(texts)]
    report = documents_ingest(sources, workers=2, batch_size=1, nlp=nlp_pipeline)
    assert (report.created, report.failed) == (len(texts), 0)
    stored = models.Document.objects.order_by("id")
    assert [document.source_path for document in stored] == [s.path for s in sources]
    for document, text in zip(stored, texts, strict=True):
        expected = stored_statement_records(extract(text, nlp=nlp_pipeline))
        assert {(s.content_start, s.content_end) for s in document.statements.all()} == {
            (r.content_start, r.content_end) for r in expected
        }
