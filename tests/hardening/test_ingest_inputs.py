"""Ingest accounts for every input, whatever a reader meets, and reads only what it should.

Each hostile input is one failed line naming the file; the inputs after it are still read;
the totals add up to the inputs and the exit status says something failed.
"""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from statements import models
from statements.readers import ReadError, SourceDocument, sources_read
from statements.services.ingest import IngestOutcome, documents_ingest

LIMIT = 100_000


def article(number: int) -> str:
    return f"Minister Ana Silva said on Friday that bridge number {number} would reopen in June."


def good_folder(folder: Path, count: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        (folder / f"good-{number}.txt").write_text(article(number), encoding="utf-8")


HOSTILE_JSON = {
    "long-number.json": '{"text": "Words.", "n": ' + "9" * 5000 + "}",
    "deep.json": "[" * 200_000,
    "surrogate.json": '{"text": "A lone half \\ud800 of a pair."}',
    "nan.json": '{"text": "Minister said it.", "score": NaN}',
    "infinity.json": '{"text": "Minister said it.", "meta": {"score": -Infinity}}',
    "nul.json": '{"text": "Minister said it.", "publisher": "Ex\\u0000ample"}',
    "nul-text.json": '{"text": "Minister said \\u0000 it."}',
}


@pytest.mark.parametrize("name", sorted(HOSTILE_JSON))
def test_hostile_json_is_one_error_and_the_next_file_is_read(tmp_path, name):
    (tmp_path / f"a-{name}").write_text(HOSTILE_JSON[name], encoding="utf-8")
    (tmp_path / "b-good.txt").write_text(article(1), encoding="utf-8")
    items = list(sources_read([str(tmp_path)], max_bytes=10_000_000))
    assert [type(item) for item in items] == [ReadError, SourceDocument], items
    error = items[0]
    assert error.path == str(tmp_path / f"a-{name}")
    assert "\n" not in error.reason and len(error.reason) < 300


def test_folder_with_hostile_files_accounts_for_every_input(db, tmp_path, nlp_pipeline):
    folder = tmp_path / "drop"
    good_folder(folder, 6)
    # Sorted first and in the middle: the files after each must still be read.
    (folder / "a-long-number.json").write_text(HOSTILE_JSON["long-number.json"])
    (folder / "good-3-deep.json").write_text(HOSTILE_JSON["deep.json"])
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="2 input"):
        call_command("ingest", str(folder), stdout=out, stderr=err)
    assert re.search(r"documents created\s+6\n", out.getvalue())
    assert re.search(r"documents failed\s+2\n", out.getvalue())
    assert models.Document.objects.count() == 6
    lines = err.getvalue().strip().splitlines()
    assert sorted(Path(line.split(": ")[0]).name for line in lines) == [
        "a-long-number.json",
        "good-3-deep.json",
    ]


def test_report_totals_equal_the_inputs(db, tmp_path, nlp_pipeline):
    good_folder(tmp_path, 2)
    (tmp_path / "z.json").write_text(HOSTILE_JSON["surrogate.json"])
    report = documents_ingest(sources_read([str(tmp_path)], max_bytes=LIMIT), nlp=nlp_pipeline)
    assert report.inputs == 3
    assert (report.created, report.unchanged, report.failed) == (2, 0, 1)
    assert "lone surrogate" in report.failures[0][1]


def test_a_reader_that_breaks_down_is_a_failure_not_silence(db, nlp_pipeline):
    def breaking_reader():
        yield SourceDocument("first.txt", article(1))
        raise RuntimeError("disk on fire")

    report = documents_ingest(breaking_reader(), nlp=nlp_pipeline)
    assert report.created == 1 and report.failed == 1
    assert report.inputs == report.documents == 2
    assert "disk on fire" in report.failures[0][1]


def test_metadata_values_no_database_holds_are_refused_before_storing(db, tmp_path, nlp_pipeline):
    for name in ("nan.json", "infinity.json", "nul.json", "nul-text.json"):
        (tmp_path / name).write_text(HOSTILE_JSON[name])
    report = documents_ingest(sources_read([str(tmp_path)], max_bytes=LIMIT), nlp=nlp_pipeline)
    assert report.failed == 4 and report.created == 0
    assert all("\n" not in reason for _path, reason in report.failures)
    assert models.Document.objects.count() == 0


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_files_with_a_bom_are_read(tmp_path, encoding):
    path = tmp_path / "wide.txt"
    data = article(7).encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    path.write_bytes(data)
    [document] = list(sources_read([str(path)], max_bytes=LIMIT))
    assert isinstance(document, SourceDocument), document
    assert document.text == article(7)


def test_symlink_leaving_the_folder_is_refused(tmp_path):
    secret = tmp_path / "etc" / "creds.conf"
    secret.parent.mkdir()
    secret.write_text("password = hunter2, the minister said.")
    drop = tmp_path / "drop"
    good_folder(drop, 1)
    (drop / "a.txt").symlink_to(secret)
    (drop / "inside.txt").symlink_to(drop / "good-0.txt")
    (drop / "sub").symlink_to(secret.parent, target_is_directory=True)
    items = list(sources_read([str(drop)], max_bytes=LIMIT))
    errors = [item for item in items if isinstance(item, ReadError)]
    texts = [item.text for item in items if isinstance(item, SourceDocument)]
    assert [e.path for e in errors] == [str(drop / "a.txt")]
    assert "outside the folder" in errors[0].reason
    assert texts == [article(0), article(0)]  # good-0.txt and the link inside the folder
    assert not any("hunter2" in text for text in texts)


def test_fifo_and_devices_are_refused_without_hanging(tmp_path):
    fifo = tmp_path / "feed.txt"
    os.mkfifo(fifo)  # a writer never comes: reading it would block forever
    items = list(sources_read([str(fifo), "/dev/zero", str(tmp_path)], max_bytes=LIMIT))
    assert [type(item) for item in items] == [ReadError, ReadError, ReadError]
    assert "FIFO" in items[0].reason and "device" in items[1].reason
    assert items[2].path == str(fifo) and "FIFO" in items[2].reason  # listed in its folder


class EndlessStream(io.RawIOBase):
    """stdin that never ends: counts what was read from it."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = 1 << 20 if size is None or size < 0 else size
        self.read_bytes += size
        return b"a" * size


def test_stdin_is_capped_while_reading():
    stream = EndlessStream()
    [error] = list(sources_read(["-"], max_bytes=LIMIT, stdin=stream))
    assert error.path == "<stdin>" and "too large" in error.reason
    assert stream.read_bytes <= LIMIT + 1


def test_outcome_is_a_typed_enum(db, nlp_pipeline):
    from statements.services.ingest import document_plan

    result = document_plan(ReadError("x.txt", "broken"))
    assert result.outcome is IngestOutcome.FAILED and result.reason == "broken"
    stored = documents_ingest([SourceDocument("a.txt", article(1))], nlp=nlp_pipeline)
    again = document_plan(SourceDocument("b.txt", article(1)))
    assert again.outcome is IngestOutcome.UNCHANGED
    assert again.document_id == stored.document_ids[0]
    assert json.loads(json.dumps(again.to_json()))["outcome"] == "unchanged"
