"""Whole-knowledge-base backups: every row, review status, alias and history entry.

`export` writes a JSON-lines file that `import` restores into an empty database with the
same primary keys, so URLs, review decisions and history survive a move between databases
(SQLite to PostgreSQL, or one server to another). Rows are streamed both ways so a large
knowledge base never sits in memory whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from django.apps import apps
from django.contrib.auth.models import Group
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction

BACKUP_FORMAT = "kb-backup"
BACKUP_VERSION = 1

# Parents before children, so a restore never points at a row not yet written.
BACKUP_MODELS = (
    "auth.group",
    "auth.user",
    "statements.document",
    "statements.person",
    "statements.organisation",
    "statements.othername",
    "statements.identifier",
    "statements.membership",
    "statements.event",
    "statements.eventparticipant",
    "statements.mention",
    "statements.statement",
    "statements.statementtarget",
    "statements.historicalperson",
    "statements.historicalorganisation",
    "statements.historicalmembership",
    "statements.historicalstatement",
)
CHUNK_SIZE = 2000


class BackupError(Exception):
    """A backup file that cannot be restored, with the reason."""


@dataclass
class BackupReport:
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _backup_model(label: str) -> type[models.Model]:
    return apps.get_model(label)


def _rows(label: str) -> Iterator[dict]:
    model = _backup_model(label)
    # Groups travel by name: the `editors` group a migration creates must not be duplicated.
    natural_primary = model is Group
    queryset = model._default_manager.order_by("pk")
    chunk: list[models.Model] = []
    for row in queryset.iterator(chunk_size=CHUNK_SIZE):
        chunk.append(row)
        if len(chunk) >= CHUNK_SIZE:
            yield from _serialize(chunk, natural_primary)
            chunk = []
    if chunk:
        yield from _serialize(chunk, natural_primary)


def _serialize(rows: list[models.Model], natural_primary: bool) -> list[dict]:
    return serializers.serialize(
        "python", rows, use_natural_foreign_keys=True, use_natural_primary_keys=natural_primary
    )


def kb_export(*, out: IO[str]) -> BackupReport:
    """Write every backed-up row as one JSON line, after a header line."""
    report = BackupReport()
    header = {
        "format": BACKUP_FORMAT,
        "version": BACKUP_VERSION,
        "created": datetime.now(UTC).isoformat(),
        "models": list(BACKUP_MODELS),
    }
    out.write(json.dumps(header) + "\n")
    for label in BACKUP_MODELS:
        count = 0
        for row in _rows(label):
            out.write(json.dumps(row, cls=DjangoJSONEncoder, ensure_ascii=False) + "\n")
            count += 1
        report.counts[label] = count
    return report


def popolo_export(*, out: IO[str]) -> None:
    """The interoperable half of a backup: persons, organizations, memberships, events and
    speeches as one Popolo JSON object, streamed (the same shape as /api/export/popolo.json)."""
    from statements import exports, selectors

    statements = selectors.statement_list_api().order_by("id").iterator(chunk_size=CHUNK_SIZE)
    sections = selectors.popolo_export_sections(statements=statements, chunk_size=CHUNK_SIZE)

    def dumps(value) -> str:
        return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)

    for piece in exports.popolo_stream(sections, dumps=dumps):
        out.write(piece)


def _kb_is_empty() -> bool:
    return not any(
        _backup_model(label)._default_manager.exists()
        for label in BACKUP_MODELS
        if label.startswith("statements.")
    )


def kb_import(*, path: Path) -> BackupReport:
    """Restore a backup into an empty knowledge base, in one transaction."""
    if not _kb_is_empty():
        raise BackupError("the knowledge base is not empty: import restores into an empty one")
    report = BackupReport()
    with path.open(encoding="utf-8") as lines, transaction.atomic():
        header = _read_header(path, lines.readline())
        for number, line in enumerate(lines, start=2):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                for restored in serializers.deserialize("python", [record]):
                    restored.save()
            except (ValueError, serializers.base.DeserializationError) as error:
                raise BackupError(f"{path}:{number}: {error}") from error
            report.counts[record["model"]] = report.counts.get(record["model"], 0) + 1
        _reset_sequences(header["models"])
    return report


def _read_header(path: Path, line: str) -> dict:
    try:
        header = json.loads(line)
    except ValueError as error:
        raise BackupError(f"{path}: not a kb backup (first line is not JSON)") from error
    if header.get("format") != BACKUP_FORMAT:
        raise BackupError(f"{path}: not a kb backup (format {header.get('format')!r})")
    if header.get("version") != BACKUP_VERSION:
        raise BackupError(f"{path}: backup version {header.get('version')} is not supported")
    return header


def _reset_sequences(labels: list[str]) -> None:
    """After rows arrive with their own ids, new rows must not collide with them."""
    model_classes = [_backup_model(label) for label in labels]
    statements = connection.ops.sequence_reset_sql(no_style(), model_classes)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
