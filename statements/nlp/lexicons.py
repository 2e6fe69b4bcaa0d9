"""Load the data files under ``lexicon/``: cues, statement types, honorifics, head nouns.

Lexicons are data a user can extend without touching code. Each loader
is cached so that every component in a process shares one copy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

LEXICON_DIR = Path(__file__).with_name("lexicon")


@dataclass(frozen=True, slots=True)
class Cue:
    """One reporting cue: a verb or noun lemma, its class and the statement type it signals."""

    lemma: str
    pos: str  # "verb" | "noun"
    cue_class: str  # speech | writing | belief | evidence
    statement_type: str


@dataclass(frozen=True, slots=True)
class StatementTypeCodes:
    """A statement type and its event-data codes: CAMEO, and PLOVER's event and mode."""

    name: str
    cameo: str
    plover: str
    plover_mode: str


def _data_lines(name: str) -> list[list[str]]:
    rows = []
    for line in (LEXICON_DIR / name).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        rows.append([cell.strip() for cell in line.split("\t")])
    return rows


@cache
def cue_lexicon() -> dict[tuple[str, str], Cue]:
    """(lemma, pos) -> Cue; the first line for a (lemma, pos) pair wins."""
    cues: dict[tuple[str, str], Cue] = {}
    for row in _data_lines("cues.tsv"):
        lemma, pos, cue_class, statement_type = row[:4]
        cues.setdefault((lemma.lower(), pos), Cue(lemma.lower(), pos, cue_class, statement_type))
    return cues


@cache
def statement_types() -> dict[str, StatementTypeCodes]:
    """kb's statement types, in display order, with their codes.

    ``lexicon/statement_types.json`` is the one declaration of the types: the engine picks
    from it, and the Django side derives its choices (``statements.models.StatementType``).
    """
    data = json.loads((LEXICON_DIR / "statement_types.json").read_text(encoding="utf-8"))
    return {
        name: StatementTypeCodes(name, row["cameo"], row["plover"], row["plover_mode"])
        for name, row in data["types"].items()
    }


@cache
def content_overrides() -> tuple[tuple[str, tuple[str, ...], str], ...]:
    """(type, words any of which the content must contain, CAMEO code) refinements."""
    data = json.loads((LEXICON_DIR / "statement_types.json").read_text(encoding="utf-8"))
    return tuple(
        (row["type"], tuple(row["requires"]), row["cameo"])
        for row in data.get("content_overrides", [])
    )


@cache
def honorifics() -> frozenset[str]:
    return frozenset(row[0].lower() for row in _data_lines("honorifics.txt"))


@cache
def org_heads() -> dict[str, str]:
    """Head noun -> organisation classification."""
    return {
        row[0].lower(): (row[1] if len(row) > 1 else "") for row in _data_lines("org_heads.txt")
    }


@cache
def event_nouns() -> dict[str, str]:
    """Event noun -> event classification."""
    return {row[0].lower(): row[1] for row in _data_lines("event_nouns.tsv")}


@cache
def role_heads() -> frozenset[str]:
    return frozenset(row[0].lower() for row in _data_lines("roles.txt"))


@cache
def demonyms() -> dict[str, str]:
    """Demonym or adjective (name key) -> the state it names: "turkish" -> "Turkey"."""
    return {row[0].lower(): row[1] for row in _data_lines("demonyms.tsv")}


@cache
def content_rules() -> tuple[tuple[str, str, str], ...]:
    """(from type, to type, regular expression on the lowercased content)."""
    data = json.loads((LEXICON_DIR / "statement_types.json").read_text(encoding="utf-8"))
    return tuple((row["from"], row["to"], row["pattern"]) for row in data.get("content_rules", []))


@cache
def negated_types() -> dict[str, str]:
    """Cue type -> the type of the same cue negated ("would not accept": rejection)."""
    data = json.loads((LEXICON_DIR / "statement_types.json").read_text(encoding="utf-8"))
    return {
        name: target for name, target in data.get("negated", {}).items() if not name.startswith("_")
    }


@cache
def cue_particles() -> dict[str, dict[str, str]]:
    """Cue lemma -> {following word: type} ("call" + "for" -> demand); "" is any other word."""
    data = json.loads((LEXICON_DIR / "statement_types.json").read_text(encoding="utf-8"))
    return {
        lemma: {word: name for word, name in words.items()}
        for lemma, words in data.get("cue_particles", {}).items()
        if not lemma.startswith("_")
    }


@cache
def word_lists() -> dict[str, frozenset[str]]:
    """The closed word lists of ``word_lists.json`` by name ("negations", "expletives")."""
    data = json.loads((LEXICON_DIR / "word_lists.json").read_text(encoding="utf-8"))
    return {
        name: frozenset(word.lower() for word in words)
        for name, words in data.items()
        if not name.startswith("_")
    }


def word_list(name: str) -> frozenset[str]:
    return word_lists()[name]


@cache
def evidence_sources() -> frozenset[str]:
    """Nouns that name evidence rather than a speaker ("polls", "the report")."""
    return frozenset(row[0].lower() for row in _data_lines("evidence_sources.txt"))


@cache
def speaker_nouns() -> frozenset[str]:
    return frozenset(row[0].lower() for row in _data_lines("speaker_nouns.txt"))


@cache
def gender_words() -> dict[str, str]:
    """Title, pronoun or noun -> "male" | "female" ("Mrs." -> female)."""
    return {row[0].lower(): row[1] for row in _data_lines("gender_words.tsv")}


@cache
def given_names() -> dict[str, str]:
    """Common given name -> the gender it usually marks ("hillary" -> female)."""
    return {row[0].lower(): row[1] for row in _data_lines("given_names.tsv")}


@cache
def name_suffixes() -> frozenset[str]:
    return frozenset(row[0].lower() for row in _data_lines("name_suffixes.txt"))


@dataclass(frozen=True, slots=True)
class State:
    """A state that speaks as one actor, with the names and seats that stand for it."""

    name: str
    aliases: tuple[str, ...]
    seats: tuple[str, ...]


@cache
def states() -> dict[str, State]:
    """Folded name, alias or seat ("u s", "moscow", "kremlin") -> the state it stands for."""
    table: dict[str, State] = {}
    for row in _data_lines("states.tsv"):
        cells = [*row, "", ""][:3]
        state = State(
            cells[0],
            tuple(a.strip() for a in cells[1].split(",") if a.strip()),
            tuple(s.strip() for s in cells[2].split(",") if s.strip()),
        )
        for name in (state.name, *state.aliases, *state.seats):
            table.setdefault(fold_name(name), state)
    return table


def fold_name(name: str) -> str:
    """Lowercase words of a name without dots or a leading "the": "the U.S." -> "us"."""
    words = "".join(c if c.isalnum() or c.isspace() else " " for c in name.replace(".", ""))
    folded = " ".join(words.lower().split())
    return folded[4:] if folded.startswith("the ") else folded


@cache
def description_nouns() -> dict[str, str]:
    """Noun that describes an actor the document named -> "person" | "organisation"."""
    return {row[0].lower(): row[1] for row in _data_lines("description_nouns.tsv")}


@cache
def continuing_nouns() -> frozenset[str]:
    """Person nouns that, with no titled holder, continue the current subject ("the nominee")."""
    return frozenset(row[0].lower() for row in _data_lines("continuing_nouns.txt"))


@cache
def organisation_name_words() -> dict[str, frozenset[str]]:
    """Description noun -> name words it also describes ("union" -> "workers")."""
    return {
        row[0].lower(): frozenset(word.strip().lower() for word in row[1].split(","))
        for row in _data_lines("organisation_name_words.tsv")
    }


@cache
def portfolios() -> frozenset[str]:
    """Words that, before a role word, name an office ("Commerce Secretary"), not a body."""
    return frozenset(row[0].lower() for row in _data_lines("portfolios.txt"))


@cache
def title_synonyms() -> dict[str, frozenset[str]]:
    """Title word -> the description nouns it also answers to ("gov" -> governor)."""
    return {
        row[0].lower(): frozenset(word.strip().lower() for word in row[1].split(","))
        for row in _data_lines("title_synonyms.tsv")
    }


@cache
def organisation_aliases() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Folded name or alias ("fbi", "un") -> (the organisation's name, all its aliases)."""
    table: dict[str, tuple[str, tuple[str, ...]]] = {}
    for row in _data_lines("organisations.tsv"):
        name = row[0]
        aliases = tuple(a.strip() for a in (row[1] if len(row) > 1 else "").split(",") if a)
        for form in (name, *aliases):
            table.setdefault(fold_name(form), (name, aliases))
    return table


@cache
def name_particles() -> frozenset[str]:
    return frozenset(row[0].lower() for row in _data_lines("name_particles.txt"))


@cache
def role_status_words() -> dict[str, str]:
    """Word of a role phrase -> the status it marks ("previous" -> "former")."""
    return {row[0].lower(): row[1] for row in _data_lines("role_status.tsv")}
