"""Input formats for ingestion: files on disk (or stdin) -> ``SourceDocument`` records.

Readers never touch the database and never raise on bad input: they yield a ``ReadError``
naming the file (and the line or record) and the problem, so that one bad file in a folder
of thousands is reported and the others are still ingested. Whatever a parser raises on a
hostile file (a 5,000-digit number, ``[`` nested 200,000 deep, a lone surrogate) becomes
that file's one-line ``ReadError``; the next file is read as usual.

What is read: only regular files, opened without blocking and size-capped while reading
(a FIFO, a device such as ``/dev/zero`` or a socket is refused, stdin is read in chunks up
to the cap). Inside a folder, a symbolic link is followed only when its target stays in
that folder, so a link cannot publish a file from elsewhere on the machine.

Formats:

- ``.txt``: plain text, with an optional header block of ``key: value`` lines (title, url,
  publisher, published, language) ended by a blank line.
- ``.json``: one record or a list of records; ``.jsonl``: one record per line. A record has
  ``text`` and the same metadata keys (a nested ``meta`` object is read too).
- ``.html`` / ``.htm``: main article text and metadata extracted with trafilatura; the
  extracted text is what is stored, so every offset points into it.
- ``-``: standard input, read as ``.txt``.

Text is UTF-8 (a BOM is dropped); UTF-16 and UTF-32 files with a BOM are read too.
"""

from __future__ import annotations

import codecs
import datetime as dt
import glob
import json
import math
import os
import re
import stat
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from statements.models import Document
from statements.nlp.records import DocumentMetadata

SUPPORTED_SUFFIXES = (".txt", ".json", ".jsonl", ".html", ".htm")
METADATA_KEYS = ("title", "url", "publisher", "published", "language")
# Other spellings of ``published`` met in the wild (PolNeAR uses publication_date).
_PUBLISHED_ALIASES = ("published", "published_at", "publication_date", "date")
_HEADER_LINE = re.compile(r"^([A-Za-z][A-Za-z_-]{0,30})[ \t]*:[ \t]*(.*?)\s*$")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")
_MAX_LENGTHS = {
    key: Document._meta.get_field(key).max_length
    for key in ("title", "url", "publisher", "language")
}
STDIN = "-"
_READ_CHUNK = 1 << 20
# Byte-order marks of the encodings read besides UTF-8, longest first (UTF-32-LE starts
# with the UTF-16-LE mark).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


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
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise ReadError(where, f"invalid metadata: {key} must be a string")
        values[key] = " ".join(str(value).split())
        string_check(values[key], where=where, what=f"metadata {key}")
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
    """Text from bytes: UTF-8, or UTF-16/32 with a BOM; binary data and other encodings are
    refused with a clear reason."""
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), None)
    if encoding is None and b"\x00" in data:
        raise ReadError(where, "binary file (contains NUL bytes), not text")
    try:
        text = data.decode(encoding or "utf-8-sig")
    except UnicodeDecodeError as error:
        name = (encoding or "UTF-8").upper()
        raise ReadError(
            where, f"not {name} text (invalid byte at position {error.start}); re-save it as UTF-8"
        ) from None
    if "\x00" in text:
        raise ReadError(where, "binary file (contains NUL characters), not text")
    return text


def string_check(value: str, *, where: str, what: str) -> None:
    """Refuse what no database column can hold: NUL characters and lone surrogates."""
    if "\x00" in value:
        raise ReadError(where, f"invalid {what}: contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ReadError(
            where, f"invalid {what}: lone surrogate at position {error.start} (not Unicode text)"
        ) from None


def metadata_check(value: Any, *, where: str, depth: int = 0) -> None:
    """The raw metadata kept with a document must be storable JSON: finite numbers, clean
    strings, shallow nesting."""
    if depth > 20:
        raise ReadError(where, "invalid metadata: nested more than 20 levels deep")
    if isinstance(value, float) and not math.isfinite(value):
        raise ReadError(where, f"invalid metadata: {value} is not a number JSON can hold")
    if isinstance(value, str):
        string_check(value, where=where, what="metadata")
    elif isinstance(value, dict):
        for key, item in value.items():
            string_check(str(key), where=where, what="metadata key")
            metadata_check(item, where=where, depth=depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            metadata_check(item, where=where, depth=depth + 1)


def json_parse(text: str, *, where: str, line: int | None = None) -> Any:
    """``json.loads`` whose every failure is a one-line ``ReadError``.

    Python raises more than ``JSONDecodeError`` on hostile JSON: ``ValueError`` for an
    integer of more than 4,300 digits, ``RecursionError`` for deep nesting. NaN and
    Infinity are refused: they are not JSON and no database stores them in a JSON column.
    """
    at = f"line {line}, " if line is not None else ""
    try:
        return json.loads(text, parse_constant=_json_constant_refuse)
    except json.JSONDecodeError as error:
        position = f"line {line or error.lineno}, column {error.colno}"
        raise ReadError(where, f"malformed JSON at {position}: {error.msg}") from None
    except RecursionError:
        raise ReadError(where, f"malformed JSON at {at}nested too deeply") from None
    except ValueError as error:
        raise ReadError(where, f"malformed JSON at {at}{one_line(error)}") from None


def _json_constant_refuse(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def one_line(error: BaseException, *, limit: int = 200) -> str:
    """An exception as one short line, for reports that print one line per input."""
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


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
    string_check(body, where=where, what="text")
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
    string_check(text, where=where, what="text")
    raw: dict[str, Any] = {}
    if isinstance(record.get("meta"), dict):
        raw.update(record["meta"])
    raw.update({k: v for k, v in record.items() if k not in ("text", "meta", "statements")})
    metadata_check(raw, where=where)
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


@dataclass(frozen=True, slots=True)
class InputFile:
    """A file to read: the name reports show (as listed) and the path opened (a link's
    checked target)."""

    where: str
    path: Path


def file_read(
    path: Path, *, max_bytes: int, where: str | None = None
) -> Iterator[SourceDocument | ReadError]:
    """Every document in one file, or one ``ReadError`` per problem found."""
    where = where or str(path)
    try:
        data = regular_file_read(path, max_bytes=max_bytes, where=where)
    except ReadError as error:
        yield error
        return
    suffix = Path(where).suffix.lower()
    yield from bytes_read(data, where=where, suffix=suffix, max_bytes=max_bytes)


def regular_file_read(path: Path, *, max_bytes: int, where: str | None = None) -> bytes:
    """The bytes of a regular file, at most ``max_bytes``; anything else is a ``ReadError``.

    Opened without blocking and checked on the open descriptor, so a FIFO cannot hang the
    run and a file swapped for a device after the folder was listed is still refused.
    """
    where = where or str(path)
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as error:
        raise ReadError(where, f"unreadable ({error.strerror or error})") from None
    with os.fdopen(descriptor, "rb") as stream:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise ReadError(where, f"not a regular file ({_file_kind(mode)}); refused")
        try:
            return stream_read(stream, where=where, max_bytes=max_bytes)
        except OSError as error:
            raise ReadError(where, f"unreadable ({error.strerror or error})") from None


def stream_read(stream: Any, *, where: str, max_bytes: int) -> bytes:
    """At most ``max_bytes`` from a binary stream, read in chunks; more is a ``ReadError``.

    Never holds more than the cap plus one chunk, so stdin or a growing file cannot exhaust
    memory before the size is known.
    """
    chunks, size = [], 0
    while True:
        chunk = stream.read(min(_READ_CHUNK, max_bytes + 1 - size))
        if not chunk:
            break
        if isinstance(chunk, str):
            chunk = chunk.encode("utf-8", "surrogatepass")
        chunks.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            raise ReadError(where, f"too large (more than {max_bytes:,} bytes, the limit)")
    return b"".join(chunks)


def _file_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


def bytes_read(
    data: bytes, *, where: str, suffix: str, max_bytes: int
) -> Iterator[SourceDocument | ReadError]:
    """Documents from the bytes of one input; ``suffix`` picks the format.

    Never raises: whatever a parser raises ends this input as one ``ReadError``.
    """
    try:
        if len(data) > max_bytes:
            raise ReadError(where, f"too large ({len(data):,} bytes; the limit is {max_bytes:,})")
        if not data.strip():
            raise ReadError(where, "empty file")
        text = text_decode(data, where=where)
        if suffix in (".html", ".htm"):
            yield html_parse(text, where=where)
        elif suffix == ".json":
            yield from _json_read(text, where=where)
        elif suffix == ".jsonl":
            yield from _jsonl_read(text, where=where)
        else:
            yield txt_parse(text, where=where)
    except ReadError as error:
        yield error
    except Exception as error:  # a parser's own failure on hostile input
        yield ReadError(where, f"unreadable: {type(error).__name__}: {one_line(error)}")


def _json_read(text: str, *, where: str) -> Iterator[SourceDocument | ReadError]:
    """One record or a list of records; a bad record is reported with its index."""
    loaded = json_parse(text, where=where)
    records = loaded if isinstance(loaded, list) else [loaded]
    if not records:
        raise ReadError(where, "empty: the JSON list has no records")
    for index, record in enumerate(records):
        label = f"{where}[{index}]" if isinstance(loaded, list) else where
        try:
            yield record_parse(record, where=label)
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
            yield record_parse(json_parse(line, where=label, line=number), where=label)
        except ReadError as error:
            yield error
    if not seen:
        yield ReadError(where, "empty file")


def paths_expand(paths: Iterable[str]) -> Iterator[InputFile | str | ReadError]:
    """Files named by each argument: a file, a folder (recursive), a glob, or ``-`` (stdin).

    Folders yield only files with a supported suffix, sorted, skipping hidden ones; a link
    whose target leaves the folder is refused. A file named explicitly is read whatever its
    suffix (as text).
    """
    for arg in paths:
        if arg == STDIN:
            yield STDIN
            continue
        path = Path(arg)
        try:
            if path.is_dir():
                yield from _folder_files(path, arg)
            elif path.exists() or os.path.islink(arg):
                yield InputFile(arg, path)
            elif glob.has_magic(arg):
                matched = sorted(
                    Path(p) for p in glob.glob(arg, recursive=True) if Path(p).is_file()
                )
                if not matched:
                    yield ReadError(arg, "no file matches this pattern")
                yield from (InputFile(str(p), p) for p in matched)
            else:
                yield ReadError(arg, "no such file or folder")
        except OSError as error:
            yield ReadError(arg, f"unreadable ({error.strerror or error})")


def _folder_files(folder: Path, arg: str) -> Iterator[InputFile | ReadError]:
    """The article files under ``folder``, each resolved and checked to stay inside it."""
    root = folder.resolve()
    found = sorted(
        p
        for p in folder.rglob("*")
        # A broken link is listed too, so that it is reported, not silently skipped.
        if p.suffix.lower() in SUPPORTED_SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
        and (p.is_symlink() or not p.is_dir())
    )
    if not found:
        yield ReadError(arg, "no .txt, .json, .jsonl or .html files in this folder")
    for path in found:
        target = path.resolve()
        if not target.is_relative_to(root):
            yield ReadError(str(path), "symbolic link leading outside the folder; refused")
        else:
            # The checked target is what is opened, so the link cannot be swapped meanwhile.
            yield InputFile(str(path), target)


def sources_read(
    paths: Iterable[str], *, max_bytes: int | None = None, stdin: Any = None
) -> Iterator[SourceDocument | ReadError]:
    """Documents (and errors) from every path given on the command line, lazily.

    Each input is read in isolation: a failure in one (whatever it raises) is that input's
    ``ReadError`` and the next input is read as usual.
    """
    if max_bytes is None:
        from django.conf import settings

        max_bytes = settings.KB_MAX_FILE_BYTES
    for item in paths_expand(paths):
        if isinstance(item, ReadError):
            yield item
            continue
        where = "<stdin>" if item == STDIN else item.where
        try:
            if item == STDIN:
                stream = stdin if stdin is not None else sys.stdin
                data = stream_read(
                    getattr(stream, "buffer", stream), where=where, max_bytes=max_bytes
                )
                yield from bytes_read(data, where=where, suffix=".txt", max_bytes=max_bytes)
            else:
                yield from file_read(item.path, max_bytes=max_bytes, where=item.where)
        except ReadError as error:
            yield error
        except Exception as error:  # never let one input end the stream of the others
            yield ReadError(where, f"unreadable: {type(error).__name__}: {one_line(error)}")
