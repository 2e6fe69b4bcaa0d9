"""Input formats for ingestion: files on disk (or stdin) -> ``SourceDocument`` records.

Readers never touch the database and never raise on bad input: they yield a ``ReadError``
naming the file (and the line or record) and the problem, so that one bad file in a folder
of thousands is reported and the others are still ingested.

Formats:

- ``.txt``: plain text, with an optional header block of ``key: value`` lines (title, url,
  publisher, published, language) ended by a blank line.
- ``.json``: one record or a list of records; ``.jsonl``: one record per line. A record has
  ``text`` and the same metadata keys (a nested ``meta`` object is read too).
- ``.html`` / ``.htm``: main article text and metadata extracted with trafilatura; the
  extracted text is what is stored, so every offset points into it.
- ``-``: standard input, read as ``.txt``.
"""

from __future__ import annotations

import datetime as dt
import glob
import json
import os
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from statements.nlp.records import DocumentMetadata

SUPPORTED_SUFFIXES = (".txt", ".json", ".jsonl", ".html", ".htm")
METADATA_KEYS = ("title", "url", "publisher", "published", "language")
# Other spellings of ``published`` met in the wild (PolNeAR uses publication_date).
_PUBLISHED_ALIASES = ("published", "published_at", "publication_date", "date")
_HEADER_LINE = re.compile(r"^([A-Za-z][A-Za-z_-]{0,30})[ \t]*:[ \t]*(.*?)\s*$")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")
_MAX_LENGTHS = {"title": 500, "url": 2000, "publisher": 200, "language": 16}
STDIN = "-"


class ReadError(Exception):
    """One input (a file, a JSONL line, a JSON record) that cannot be ingested, and why."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class SourceDocument:
    """One article read from an input: its text, typed metadata and everything read."""

    path: str
    text: str
    metadata: DocumentMetadata = field(default_factory=DocumentMetadata)
    raw_metadata: dict[str, Any] = field(default_factory=dict)


def metadata_parse(raw: dict[str, Any], *, where: str) -> DocumentMetadata:
    """Typed, validated metadata from a loose dict; a bad value raises ``ReadError``.

    Validation happens here, before anything is stored, so that a bad date is reported
    with the file name instead of failing halfway through a database write.
    """
    values: dict[str, str] = {}
    for key in ("title", "url", "publisher", "language"):
        value = raw.get(key)
        if value is None:
            continue
        if not isinstance(value, str | int | float):
            raise ReadError(where, f"invalid metadata: {key} must be a string")
        values[key] = " ".join(str(value).split())
    published = next((raw[k] for k in _PUBLISHED_ALIASES if raw.get(k) not in (None, "")), "")
    if published != "":
        values["published"] = published_parse(published, where=where)
    for key, limit in _MAX_LENGTHS.items():
        if len(values.get(key, "")) > limit:
            raise ReadError(where, f"invalid metadata: {key} is longer than {limit} characters")
    url = values.get("url", "")
    if url and not re.match(r"^https?://\S+$", url):
        raise ReadError(where, f"invalid metadata: url {url!r} is not an http(s) URL")
    language = values.get("language", "")
    if language and not _LANGUAGE.match(language):
        raise ReadError(where, f"invalid metadata: language {language!r} is not a language code")
    if not language:
        values.pop("language", None)
    return DocumentMetadata(**values)


def published_parse(value: Any, *, where: str) -> str:
    """An ISO date string (YYYY-MM-DD) from a date or datetime text; else ``ReadError``."""
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        pass
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        raise ReadError(
            where, f"invalid metadata: published {text!r} is not a date (use YYYY-MM-DD)"
        ) from None


def text_decode(data: bytes, *, where: str) -> str:
    """UTF-8 text from bytes, refusing binary data and other encodings with a clear reason."""
    if b"\x00" in data:
        raise ReadError(where, "binary file (contains NUL bytes), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ReadError(
            where, f"not UTF-8 text (invalid byte at position {error.start}); re-save it as UTF-8"
        ) from None
    return text


def txt_parse(text: str, *, where: str) -> SourceDocument:
    """A ``.txt`` article: an optional ``key: value`` header block, a blank line, the text.

    The first block counts as a header only when every line is ``key: value`` and at least
    one key is a metadata key, so an article opening with "Baghdad: ..." stays text.
    """
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    raw: dict[str, Any] = {}
    body = normalised
    head, sep, rest = normalised.lstrip("\n").partition("\n\n")
    if sep:
        lines = [line for line in head.split("\n") if line.strip()]
        matches = [_HEADER_LINE.match(line) for line in lines]
        if lines and all(matches) and any(m.group(1).lower() in METADATA_KEYS for m in matches):
            raw = {m.group(1).lower(): m.group(2) for m in matches}
            body = rest
    if not body.strip():
        raise ReadError(where, "empty: no article text")
    return SourceDocument(where, body, metadata_parse(raw, where=where), raw)


def record_parse(record: Any, *, where: str) -> SourceDocument:
    """A JSON record with ``text`` and metadata keys (a nested ``meta`` dict is merged in)."""
    if not isinstance(record, dict):
        raise ReadError(where, f"expected a JSON object with 'text', got {type(record).__name__}")
    text = record.get("text")
    if not isinstance(text, str):
        raise ReadError(where, "missing 'text' (a string)")
    if not text.strip():
        raise ReadError(where, "empty: no article text")
    raw: dict[str, Any] = {}
    if isinstance(record.get("meta"), dict):
        raw.update(record["meta"])
    raw.update({k: v for k, v in record.items() if k not in ("text", "meta", "statements")})
    return SourceDocument(where, text, metadata_parse(raw, where=where), raw)


def html_parse(html: str, *, where: str) -> SourceDocument:
    """Main article text and metadata of an HTML page, extracted with trafilatura."""
    import trafilatura

    extracted = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, include_tables=False
    )
    text = (getattr(extracted, "text", None) or "") if extracted is not None else ""
    if not text.strip():
        raise ReadError(where, "no article text found in the HTML")
    raw: dict[str, Any] = {
        "title": extracted.title or "",
        "url": extracted.url or "",
        "publisher": extracted.sitename or "",
        "published": extracted.date or "",
        "language": extracted.language or "",
        "author": extracted.author or "",
    }
    raw = {k: v for k, v in raw.items() if v}
    return SourceDocument(where, text, metadata_parse(raw, where=where), raw)


def file_read(path: Path, *, max_bytes: int) -> Iterator[SourceDocument | ReadError]:
    """Every document in one file, or one ``ReadError`` per problem found."""
    where = str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            yield ReadError(where, f"too large ({size:,} bytes; the limit is {max_bytes:,})")
            return
        data = path.read_bytes()
    except OSError as error:
        yield ReadError(where, f"unreadable ({error.strerror or error})")
        return
    yield from bytes_read(data, where=where, suffix=path.suffix.lower(), max_bytes=max_bytes)


def bytes_read(
    data: bytes, *, where: str, suffix: str, max_bytes: int
) -> Iterator[SourceDocument | ReadError]:
    """Documents from the bytes of one input; ``suffix`` picks the format."""
    try:
        if len(data) > max_bytes:
            raise ReadError(where, f"too large ({len(data):,} bytes; the limit is {max_bytes:,})")
        if not data.strip():
            raise ReadError(where, "empty file")
        text = text_decode(data, where=where)
        if suffix in (".html", ".htm"):
            yield html_parse(text, where=where)
        elif suffix == ".json":
            try:
                loaded = json.loads(text)
            except json.JSONDecodeError as error:
                position = f"line {error.lineno}, column {error.colno}"
                raise ReadError(where, f"malformed JSON at {position}: {error.msg}") from None
            records = loaded if isinstance(loaded, list) else [loaded]
            if not records:
                raise ReadError(where, "empty: the JSON list has no records")
            for index, record in enumerate(records):
                label = f"{where}[{index}]" if isinstance(loaded, list) else where
                try:
                    yield record_parse(record, where=label)
                except ReadError as error:
                    yield error
        elif suffix == ".jsonl":
            yield from _jsonl_read(text, where=where)
        else:
            yield txt_parse(text, where=where)
    except ReadError as error:
        yield error


def _jsonl_read(text: str, *, where: str) -> Iterator[SourceDocument | ReadError]:
    """One document per non-blank line; a bad line is reported with its line number."""
    seen = False
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        seen = True
        label = f"{where}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            yield ReadError(label, f"malformed JSON (column {error.colno}: {error.msg})")
            continue
        try:
            yield record_parse(record, where=label)
        except ReadError as error:
            yield error
    if not seen:
        yield ReadError(where, "empty file")


def paths_expand(paths: Iterable[str]) -> Iterator[Path | str | ReadError]:
    """Files named by each argument: a file, a folder (recursive), a glob, or ``-`` (stdin).

    Folders yield only files with a supported suffix, sorted, skipping hidden ones; a file
    named explicitly is read whatever its suffix (as text).
    """
    for arg in paths:
        if arg == STDIN:
            yield STDIN
            continue
        path = Path(arg)
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                # A broken link is listed too, so that it is reported, not silently skipped.
                if (p.is_file() or p.is_symlink())
                and p.suffix.lower() in SUPPORTED_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not found:
                yield ReadError(arg, "no .txt, .json, .jsonl or .html files in this folder")
            yield from found
        elif path.exists() or os.path.islink(arg):
            yield path
        elif glob.has_magic(arg):
            matched = sorted(Path(p) for p in glob.glob(arg, recursive=True) if Path(p).is_file())
            if not matched:
                yield ReadError(arg, "no file matches this pattern")
            yield from matched
        else:
            yield ReadError(arg, "no such file or folder")


def sources_read(
    paths: Iterable[str], *, max_bytes: int | None = None, stdin: Any = None
) -> Iterator[SourceDocument | ReadError]:
    """Documents (and errors) from every path given on the command line, lazily."""
    if max_bytes is None:
        from django.conf import settings

        max_bytes = settings.KB_MAX_FILE_BYTES
    for item in paths_expand(paths):
        if isinstance(item, ReadError):
            yield item
        elif item == STDIN:
            stream = stdin if stdin is not None else sys.stdin
            data = stream.buffer.read() if hasattr(stream, "buffer") else stream.read()
            if isinstance(data, str):
                data = data.encode("utf-8")
            yield from bytes_read(data, where="<stdin>", suffix=".txt", max_bytes=max_bytes)
        else:
            yield from file_read(item, max_bytes=max_bytes)
