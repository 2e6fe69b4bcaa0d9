"""Whole-knowledge-base backups: every row, review status, alias and history entry.

`export` writes a JSON-lines file that `import` restores into an empty database with the
same primary keys, so URLs, review decisions, history and the admin log survive a move
between databases (SQLite to PostgreSQL, or one server to another). Rows are streamed both
ways so a large knowledge base never sits in memory whole; timestamps keep their
microseconds.

What a backup may hold is a security question, so:

- Accounts: only reviewer accounts (staff, or referenced by a review, a history entry or
  the admin log), without password hashes or e-mail addresses unless the caller asks for
  credentials; restored accounts without a hash cannot log in until given a password.
- The file is created with mode 0600 (only its owner reads it).
- `import` restores only the models a backup holds (``BACKUP_MODELS``): a crafted line
  naming another model (a session, a permission) is refused, and so is a database that
  already has accounts or rows, so nothing existing is ever overwritten.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction

from statements.services.summaries import summaries_rebuild

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
    "statements.quote",
    "statements.statement",
    "statements.statementtarget",
    "statements.quotefingerprint",
    "statements.historicalperson",
    "statements.historicalorganisation",
    "statements.historicalmembership",
    "statements.historicalstatement",
    "statements.removedstatement",
    "admin.logentry",
)
CHUNK_SIZE = 2000
# Account fields a backup leaves out unless asked for credentials.
_CREDENTIAL_FIELDS = ("password", "email")


class BackupJSONEncoder(DjangoJSONEncoder):
    """Django's encoder cuts datetimes to milliseconds; a backup keeps every digit."""

    def default(self, o):
        if isinstance(o, dt.datetime | dt.time):
            return o.isoformat()
        return super().default(o)


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


def _rows(label: str, *, credentials: bool) -> Iterator[dict]:
    model = _backup_model(label)
    # Groups travel by name: the `editors` group a migration creates must not be duplicated.
    natural_primary = model is Group
    queryset = model._default_manager.order_by("pk")
    if model is User:
        queryset = reviewer_accounts().order_by("pk")
    chunk: list[models.Model] = []
    for row in queryset.iterator(chunk_size=CHUNK_SIZE):
        chunk.append(row)
        if len(chunk) >= CHUNK_SIZE:
            yield from _serialize(chunk, natural_primary, credentials=credentials)
            chunk = []
    if chunk:
        yield from _serialize(chunk, natural_primary, credentials=credentials)


def reviewer_accounts():
    """The accounts a backup carries: staff, and anyone a review, a history entry or the
    admin log points to (so every reference restores); no other user."""
    from django.db.models import Q

    from statements.models import Statement

    referenced = Q(pk__in=Statement.objects.values("reviewed_by")) | Q(
        pk__in=LogEntry.objects.values("user")
    )
    for label in BACKUP_MODELS:
        model = _backup_model(label)
        if label.startswith("statements.historical"):
            referenced |= Q(pk__in=model._default_manager.values("history_user"))
    return User.objects.filter(Q(is_staff=True) | Q(is_superuser=True) | referenced).distinct()


def _serialize(rows: list[models.Model], natural_primary: bool, *, credentials: bool) -> list[dict]:
    records = serializers.serialize(
        "python", rows, use_natural_foreign_keys=True, use_natural_primary_keys=natural_primary
    )
    if not credentials:
        for record in records:
            if record["model"] == "auth.user":
                for name in _CREDENTIAL_FIELDS:
                    record["fields"].pop(name, None)
    return records


def backup_file_open(path: Path) -> IO[str]:
    """A new backup file only its owner can read (it holds unpublished review data, and
    with credentials password hashes)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # an existing file keeps its mode otherwise
    return os.fdopen(descriptor, "w", encoding="utf-8")


def kb_export(*, out: IO[str], credentials: bool = False) -> BackupReport:
    """Write every backed-up row as one JSON line, after a header line.

    ``credentials`` adds the accounts' password hashes and e-mail addresses.
    """
    report = BackupReport()
    header = {
        "format": BACKUP_FORMAT,
        "version": BACKUP_VERSION,
        "created": datetime.now(UTC).isoformat(),
        "models": list(BACKUP_MODELS),
        "credentials": credentials,
    }
    out.write(json.dumps(header) + "\n")
    for label in BACKUP_MODELS:
        count = 0
        for row in _rows(label, credentials=credentials):
            out.write(json.dumps(row, cls=BackupJSONEncoder, ensure_ascii=False) + "\n")
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
    """No account and no row of any backed-up model (groups aside: migrations make them)."""
    return not any(
        _backup_model(label)._default_manager.exists()
        for label in BACKUP_MODELS
        if label != "auth.group"
    )


def kb_import(*, path: Path) -> BackupReport:
    """Restore a backup into an empty knowledge base, in one transaction."""
    if not _kb_is_empty():
        raise BackupError(
            "the database is not empty (it has accounts or rows): import restores only into "
            "a freshly migrated database, so that nothing existing is overwritten"
        )
    report = BackupReport()
    with path.open(encoding="utf-8") as lines, transaction.atomic():
        header = _read_header(path, lines.readline())
        for number, line in enumerate(lines, start=2):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                _record_check(record)
                for restored in serializers.deserialize("python", [record]):
                    if isinstance(restored.object, User) and not restored.object.password:
                        restored.object.password = make_password(None)  # cannot log in
                    restored.save()
            except (
                ValueError,
                TypeError,
                KeyError,
                serializers.base.DeserializationError,
            ) as error:
                raise BackupError(f"{path}:{number}: {error}") from error
            report.counts[record["model"]] = report.counts.get(record["model"], 0) + 1
        _reset_sequences(header["models"])
        # Summaries are not in a backup: they are counted from the restored statements.
        summaries_rebuild()
    return report


def _record_check(record: object) -> None:
    """Only rows of the models a backup holds may be restored."""
    if not isinstance(record, dict) or not isinstance(record.get("fields"), dict):
        raise ValueError("not a backup record (expected an object with 'model' and 'fields')")
    if record.get("model") not in BACKUP_MODELS:
        raise ValueError(f"model {record.get('model')!r} is not part of a kb backup; refused")


def _read_header(path: Path, line: str) -> dict:
    try:
        header = json.loads(line)
    except ValueError as error:
        raise BackupError(f"{path}: not a kb backup (first line is not JSON)") from error
    if header.get("format") != BACKUP_FORMAT:
        raise BackupError(f"{path}: not a kb backup (format {header.get('format')!r})")
    if header.get("version") != BACKUP_VERSION:
        raise BackupError(f"{path}: backup version {header.get('version')} is not supported")
    models_named = header.get("models")
    if not isinstance(models_named, list) or not set(models_named) <= set(BACKUP_MODELS):
        raise BackupError(f"{path}: the header names models a kb backup does not hold")
    return header


def _reset_sequences(labels: list[str]) -> None:
    """After rows arrive with their own ids, new rows must not collide with them."""
    model_classes = [_backup_model(label) for label in labels]
    statements = connection.ops.sequence_reset_sql(no_style(), model_classes)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
