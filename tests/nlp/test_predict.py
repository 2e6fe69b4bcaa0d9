"""The eval CLI: JSONL in, one prediction line per document in the evaluation scorer's format."""

from __future__ import annotations

import json

from statements.nlp import extract
from statements.nlp.predict import extraction_to_prediction, main

TEXT = "“Turkey must withdraw,” said Khazali. Officials said that the talks had failed."


def test_prediction_keys(nlp):
    line = extraction_to_prediction("doc-1", extract(TEXT, nlp=nlp))
    assert line["id"] == "doc-1"
    statement = line["statements"][0]
    for key in (
        "speaker",
        "speaker_start",
        "speaker_end",
        "cue",
        "cue_start",
        "cue_end",
        "cue_class",
        "content",
        "content_start",
        "content_end",
        "content_spans",
        "kind",
        "speaker_resolved",
        "type",
        "targets",
        "event",
        "role",
    ):
        assert key in statement
    assert statement["speaker"] == "Khazali"
    assert statement["type"] in {"demand", "appeal"}


def test_cli_writes_one_line_per_document(nlp, tmp_path):
    source = tmp_path / "in.jsonl"
    rows = [
        {"id": "a", "text": TEXT, "meta": {"publication_date": "2024-05-12"}},
        {"id": "b", "text": ""},
    ]
    source.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    out = tmp_path / "pred.jsonl"
    assert main([str(source), "--out", str(out), "--batch-size", "2"]) == 0
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == ["a", "b"]
    assert len(lines[0]["statements"]) == 2
    assert lines[1]["statements"] == []
