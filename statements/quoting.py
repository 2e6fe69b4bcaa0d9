"""When two quotations are the same words: tokens, fingerprints and the alignment check.

Pure functions, no Django (like ``naming.py``): ingestion, the rebuild command and tests
compute them the same way.

Two reports of one quotation differ in how they are cut ("... we will not accept it"
against the whole sentence), in their quotation marks and apostrophes, in spelling
("defence"/"defense") and sometimes in a word or two (a transcription, a dropped "and").

- **Tokens** (``quote_tokens``): words folded for case, accents and apostrophes, with
  British spellings mapped to American ones; an ellipsis ("...", "…", "[...]") marks the
  next token as following a cut.
- **Candidates** (``quote_fingerprints``): winnowing (Schleimer, Wilkerson and Aiken,
  SIGMOD 2003): hash every run of ``SHINGLE_WORDS`` words, keep the smallest hash of each
  window of ``WINDOW`` consecutive runs. Any run of ``SHINGLE_WORDS + WINDOW - 1`` words
  two quotations share yields a fingerprint both keep, so a 10-word cut of a 60-word quote
  is found, which a MinHash of the whole text (an estimate of Jaccard similarity over
  both sets) misses. Each quotation keeps about 2/(WINDOW + 1) of its runs.
- **Verification** (``quotes_align``): difflib over the two token sequences. The shorter
  must be a contiguous part of the longer (gaps allowed only where it shows an ellipsis),
  with at most ``allowed_differences`` words differing. Candidates only narrow the search;
  this check alone decides.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from statements.naming import fold_text

SHINGLE_WORDS = 3
WINDOW = 4
# Below this many words a quotation joins another only when both are the very same words:
# "we will win" is inside too many unrelated sentences.
MIN_CONTAINED_WORDS = 6

_ELLIPSIS = re.compile(r"\[\s*(?:\.\s*){3}\]|(?:\.\s*){3}|\u2026")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")

# British -> American endings, longest first; a word is rewritten by its first match. Both
# quotations go through the same map, so a word it spoils ("detour" -> "detor") still
# only meets itself; the words kept are those an ending would turn into another word.
_SPELLING_ENDINGS = (
    ("isations", "izations"),
    ("isation", "ization"),
    ("ising", "izing"),
    ("elling", "eling"),
    ("ysed", "yzed"),
    ("ised", "ized"),
    ("ises", "izes"),
    ("elled", "eled"),
    ("ours", "ors"),
    ("ogue", "og"),
    ("ise", "ize"),
    ("yse", "yze"),
    ("our", "or"),
)
_SPELLING_KEEP = frozenset({"devours", "flours", "devour", "paradise", "premises", "premise"})
_SPELLING_WORDS = {
    "defence": "defense",
    "offence": "offense",
    "licence": "license",
    "pretence": "pretense",
    "centre": "center",
    "centres": "centers",
    "metre": "meter",
    "metres": "meters",
    "theatre": "theater",
    "fibre": "fiber",
    "programme": "program",
    "programmes": "programs",
    "cheque": "check",
    "grey": "gray",
    "whilst": "while",
    "amongst": "among",
    "judgement": "judgment",
    "ageing": "aging",
    "fulfil": "fulfill",
    "enrol": "enroll",
}


def spelling_key(word: str) -> str:
    """One spelling for British and American forms of a word ("organise" -> "organize")."""
    if word.endswith("'s"):
        return spelling_key(word[:-2]) + "'s"
    if word in _SPELLING_WORDS:
        return _SPELLING_WORDS[word]
    if word in _SPELLING_KEEP or len(word) < 6:
        return word
    for british, american in _SPELLING_ENDINGS:
        if word.endswith(british):
            return word[: -len(british)] + american
    return word


@dataclass(frozen=True, slots=True)
class QuoteTokens:
    """A quotation's words as compared, and which of them follow an ellipsis."""

    words: tuple[str, ...]
    after_cut: frozenset[int]  # indexes of words an ellipsis precedes

    def __len__(self) -> int:
        return len(self.words)


def quote_tokens(text: str) -> QuoteTokens:
    """The words of a quotation, folded, with the cuts its ellipses mark."""
    words: list[str] = []
    after_cut: set[int] = set()
    for number, piece in enumerate(_ELLIPSIS.split(fold_text(text))):
        if number and words:
            after_cut.add(len(words))
        words.extend(spelling_key(word) for word in _WORD.findall(piece))
    return QuoteTokens(tuple(words), frozenset(i for i in after_cut if i < len(words)))


def _hash(words: tuple[str, ...]) -> int:
    digest = hashlib.blake2b(" ".join(words).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def quote_fingerprints(tokens: QuoteTokens) -> set[int]:
    """The winnowed fingerprints of a quotation (signed 64-bit ints, for a BigIntegerField).

    A quotation shorter than a shingle has one fingerprint, its whole text: it can only
    meet the same words.
    """
    words = tokens.words
    if not words:
        return set()
    if len(words) < SHINGLE_WORDS:
        return {_hash(words)}
    shingles = [_hash(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)]
    if len(shingles) <= WINDOW:
        return {min(shingles)}
    return {min(shingles[i : i + WINDOW]) for i in range(len(shingles) - WINDOW + 1)}


def allowed_differences(length: int) -> int:
    """Words that may differ between two reports of a quotation of ``length`` words: none
    below 8 (short lines differ in the word that matters), then one per 8 words."""
    return length // 8


@dataclass(frozen=True, slots=True)
class Alignment:
    """How two quotations align: ``same`` when they are the same words, ``matched`` words
    in common, and whether the first is the longer one (the other lies inside it)."""

    same: bool
    matched: int = 0
    first_contains: bool = False


def quotes_align(first: QuoteTokens, second: QuoteTokens) -> Alignment:
    """Whether ``first`` and ``second`` are the same quotation (see the module docstring)."""
    if not first.words or not second.words:
        return Alignment(False)
    first_contains = len(first) >= len(second)
    short, long = (second, first) if first_contains else (first, second)
    if short.words == long.words:
        return Alignment(True, len(short), first_contains)
    if len(short) < MIN_CONTAINED_WORDS:
        return Alignment(False)
    matcher = SequenceMatcher(None, short.words, long.words, autojunk=False)
    blocks = [block for block in matcher.get_matching_blocks() if block.size]
    matched = sum(block.size for block in blocks)
    allowed = allowed_differences(len(short))
    if len(short) - matched > allowed:
        return Alignment(False)
    differences = len(short) - matched
    # Inside the stretch of the longer quotation the shorter covers, every extra word is a
    # difference, unless the shorter marks a cut (an ellipsis) just there.
    for previous, block in itertools.pairwise(blocks):
        extra = block.b - (previous.b + previous.size)
        skipped = block.a - (previous.a + previous.size)
        cut = any(i in short.after_cut for i in range(previous.a + previous.size, block.a + 1))
        if extra > skipped and not cut:
            differences += extra - skipped
    if differences > allowed:
        return Alignment(False)
    return Alignment(True, matched, first_contains)
