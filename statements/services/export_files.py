"""Export bodies, and the full exports written to files off the request path.

A full export of a large knowledge base takes minutes and tens of megabytes: done inside a
request it holds a web worker that long, and a few anonymous clients asking at once starve
everyone else. So the full exports are files, written by ``manage.py export_files`` (from
cron, or after each ingest) into ``KB_EXPORT_DIR`` and served as static files; the streaming
endpoints serve filtered, capped slices. Both produce their bodies with the functions here,
so a file and a stream of the same rows are byte for byte the same.

A stream that fails midway must not look complete: ``stream_guarded`` writes a visible
marker in the body and re-raises, so the server aborts the response (no final chunk, the
client reports a truncated transfer) instead of ending it cleanly.
"""

from __future__ import annotations

import csv
import itertools
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from django.conf import settings

from statements import exports, selectors

logger = logging.getLogger(__name__)
EXPORT_CHUNK_SIZE = 500
_Row = TypeVar("_Row")


def export_json(record) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


class _Echo:
    """A file-like object whose ``write`` hands the line back, for csv.writer streaming."""

    def write(self, value: str) -> str:
        return value


def statements_csv_chunks(statements: Iterable, *, base_url: str) -> Iterator[str]:
    """CSV: header first, one row per statement."""
    writer = csv.writer(_Echo())
    yield writer.writerow(exports.statement_csv_header())
    for statement in statements:
        yield writer.writerow(exports.statement_csv_row(statement, base_url=base_url))


def statements_jsonl_chunks(statements: Iterable, *, base_url: str) -> Iterator[str]:
    """PLOVER-shaped JSON lines, one statement per line."""
    for statement in statements:
        yield export_json(exports.statement_plover(statement, base_url=base_url)) + "\n"


def popolo_chunks(statements: Iterable, *, base_url: str) -> Iterator[str]:
    """One Popolo JSON object: persons, organizations, memberships, events, speeches."""
    sections = selectors.popolo_export_sections(
        statements=statements, base_url=base_url, chunk_size=EXPORT_CHUNK_SIZE
    )
    yield from exports.popolo_stream(sections, dumps=export_json)


@dataclass(frozen=True)
class ExportFormat:
    """One full export: its file name, media type and body, and how a failure shows in it."""

    name: str
    media_type: str
    chunks: Callable[..., Iterator[str]]
    failure_marker: str


EXPORT_FORMATS = {
    "statements.csv": ExportFormat(
        "statements.csv",
        "text/csv; charset=utf-8",
        statements_csv_chunks,
        "\n#ERROR: the export failed here; this file is incomplete\n",
    ),
    "statements.jsonl": ExportFormat(
        "statements.jsonl",
        "application/x-ndjson",
        statements_jsonl_chunks,
        '\n{"error":"the export failed here; this file is incomplete"}\n',
    ),
    "popolo.json": ExportFormat(
        "popolo.json",
        "application/json",
        popolo_chunks,
        # Left as invalid JSON on purpose: a parser must fail, not read half the data.
        '\n"ERROR: the export failed here; this file is incomplete"\n',
    ),
}


def rows_primed(rows: Iterator[_Row]) -> Iterator[_Row]:
    """``rows`` with the first one read now: the query runs before any header is sent, so
    a database that is away gives a 503, not a 200 with a header line and nothing else."""
    first = list(itertools.islice(rows, 1))
    return itertools.chain(first, rows)


def stream_guarded(chunks: Iterator[str], *, failure_marker: str, where: str) -> Iterator[str]:
    """``chunks``, ending with ``failure_marker`` and an exception if producing them fails."""
    try:
        yield from chunks
    except Exception:
        logger.exception("export %s failed mid-stream", where)
        yield failure_marker
        raise


def export_directory() -> Path:
    return Path(settings.KB_EXPORT_DIR)


def export_file_path(name: str) -> Path | None:
    """The written full export ``name``, if there is one."""
    if name not in EXPORT_FORMATS:
        return None
    path = export_directory() / name
    return path if path.is_file() else None


def export_files_write(*, base_url: str, directory: Path | None = None) -> dict[str, int]:
    """Write every full export (every public statement: not what an editor rejected) into
    ``directory``; bytes per file.

    Each file is written under a temporary name and renamed into place, so a reader never
    sees a half-written export and a failed run leaves the previous files as they were.
    """
    directory = directory or export_directory()
    directory.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, export_format in EXPORT_FORMATS.items():
        statements = (
            selectors.statement_list_api()
            .public()
            .order_by("id")
            .iterator(chunk_size=EXPORT_CHUNK_SIZE)
        )
        descriptor, temporary = tempfile.mkstemp(prefix=f".{name}.", dir=directory)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as out:
                for chunk in export_format.chunks(statements, base_url=base_url):
                    out.write(chunk)
            os.chmod(temporary, 0o644)
            os.replace(temporary, directory / name)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        written[name] = (directory / name).stat().st_size
    return written
