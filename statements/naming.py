"""Name keys shared by ingestion, filters and the admin.

Pure functions, no Django: the matching key decides when two names are the same
record (docs/domain.md, Identity), so it must be computed the same way everywhere.
"""

from __future__ import annotations

import re
import unicodedata

from unidecode import unidecode

_NON_WORD = re.compile(r"[^\w]+")
# Matching keys are stored in 300-character columns; a longer "name" is no name anyway.
NAME_KEY_MAX_LENGTH = 300
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'"})


def fold_text(text: str) -> str:
    """Accent- and case-insensitive form of ``text`` ("Anıl Bora İnan" -> "anil bora inan")."""
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)
    return unidecode(text).casefold()


def name_key(name: str) -> str:
    """The matching key of a person's or organisation's name.

    Folds case and accents, drops punctuation and a leading "the", so
    "Asa’ib Ahl al-Haq" and "Asa'ib Ahl al Haq" share one key.
    """
    folded = _NON_WORD.sub(" ", fold_text(name).replace("'", "")).strip()
    if folded.startswith("the "):
        folded = folded[4:]
    return " ".join(folded.split())[:NAME_KEY_MAX_LENGTH].rstrip()


def slug_base(name: str, max_length: int = 80) -> str:
    """An ASCII slug for URLs ("Anıl Bora İnan" -> "anil-bora-inan")."""
    slug = "-".join(_NON_WORD.sub(" ", fold_text(name).replace("'", "")).split()).strip("-")
    return slug[:max_length].strip("-") or "unnamed"


# Generational suffixes: "Donald Trump Jr." is someone else, and "Jr." is never a surname.
NAME_SUFFIXES = frozenset({"jr", "junior", "sr", "senior", "ii", "iii", "iv"})


def person_match_key(name: str) -> str:
    """A person's name key without middle initials: "Donald J. Trump" -> "donald trump".

    The first and last words stay whatever their length, so "J. K. Rowling" keeps its
    initials as the first word; a suffix ("Jr.") stays, so father and son keep apart.
    """
    words = name_key(name).split()
    if len(words) <= 2:
        return " ".join(words)
    middle = [word for word in words[1:-1] if len(word) > 1]
    return " ".join([words[0], *middle, words[-1]])


def surname_key(name: str) -> str:
    """The matching key of a person's surname: the last word that is not a suffix."""
    words = [word for word in name_key(name).split() if word not in NAME_SUFFIXES]
    return words[-1] if words else ""
