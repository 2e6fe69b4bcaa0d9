"""The learned statement-type classifier: the shipped model, its training, what it predicts.

Every sentence here is written for these tests; no training corpus text is used.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from statements.nlp import extract
from statements.nlp.components.types import StatementTyper
from statements.nlp.learned.types import (
    MODEL_DIR,
    TYPE_MODEL,
    TYPE_PROVENANCE,
    TypeClassifier,
    load_type_classifier,
    read_type_provenance,
)
from statements.nlp.train_types import LABELS, import_labels
from statements.nlp.train_types import main as train_main


def test_committed_type_model_matches_its_recorded_checksum():
    provenance = read_type_provenance()
    assert set(provenance["files"]) == {TYPE_MODEL}
    for name, digest in provenance["files"].items():
        assert hashlib.sha256((MODEL_DIR / name).read_bytes()).hexdigest() == digest, name


def test_type_model_is_small_and_says_where_it_comes_from():
    provenance = read_type_provenance()
    assert (MODEL_DIR / TYPE_MODEL).stat().st_size < 2 * 1024 * 1024
    assert provenance["data"]["train"] == "polnear-train.jsonl"
    assert provenance["data"]["labels"] == LABELS.name
    assert provenance["command"].startswith("python -m statements.nlp.train_types")
    assert 0.0 <= provenance["threshold"] < 1.0
    assert provenance["threshold"] <= provenance["override_threshold"] <= 1.0


def test_committed_labels_hold_offsets_and_labels_only():
    keys = set()
    for line in LABELS.read_text(encoding="utf-8").splitlines():
        keys |= set(json.loads(line))
    assert keys == {"id", "content_start", "content_end", "cue_start", "cue_class", "type"}


def test_pipeline_types_with_the_classifier(nlp):
    assert nlp.get_pipe("kb_types").classifier is not None


def _type_of(nlp, text: str, cue: str) -> str:
    statements = [s for s in extract(text, nlp=nlp).statements if cue in s.cue]
    assert statements, text
    return statements[0].statement_type


@pytest.mark.parametrize(
    ("text", "cue", "statement_type"),
    [
        (
            "The senator said the trade deal was a disaster and a betrayal of the workers.",
            "said",
            "criticism",
        ),
        ("The governor said she would not support the tax bill.", "said", "rejection"),
        ("The mayor said he will run for a second term next year.", "said", "intention"),
        (
            "The union demanded that the company reinstate the dismissed workers.",
            "demanded",
            "demand",
        ),
    ],
)
def test_the_classifier_reads_cue_and_content(nlp, text, cue, statement_type):
    assert _type_of(nlp, text, cue) == statement_type


@pytest.mark.parametrize(
    ("text", "cue", "statement_type"),
    [
        # direct quotations: the act is in the quoted words
        (
            '"If they cross that line, they will pay a very heavy price," the general said.',
            "said",
            "threat",
        ),
        (
            '"This agreement is a disgrace and a betrayal of every worker here," the senator said.',
            "said",
            "criticism",
        ),
        ('"I will not sign this bill," the governor said.', "said", "rejection"),
        ('"We welcome this ruling and thank the court," the union said.', "said", "support"),
        ('"The bridge will reopen in May," the mayor said.', "said", "statement"),
        # a question asked is said, not appealed for
        ('"Will the minister finally resign?" the reporter asked.', "asked", "statement"),
        ("The reporter asked whether the contract was legal.", "asked", "statement"),
        # a negated cue: what was said is no longer the act the cue names
        ("The minister did not condemn the strikes.", "condemn", "statement"),
        ("The senator denied that he had met the ambassador.", "denied", "denial"),
    ],
)
def test_types_of_direct_quotes_questions_and_negation(nlp, text, cue, statement_type):
    assert _type_of(nlp, text, cue) == statement_type


def test_without_a_model_file_the_rules_type(nlp, tmp_path: Path):
    assert load_type_classifier(tmp_path) is None
    doc = _untyped_doc(nlp, "The senator said the trade deal was a disaster.")
    typed = StatementTyper(None)(doc)._.kb_statements
    assert [s["statement_type"] for s in typed] == ["criticism"]  # the content rule


def _untyped_doc(nlp, text: str):
    """A Doc through every stage before typing (what the type stage reads)."""
    with nlp.select_pipes(disable=["kb_types"]):
        return nlp(text)


def test_import_keeps_ids_offsets_and_labels_only(tmp_path: Path):
    source = tmp_path / "annotator.jsonl"
    row = {"id": "d1", "content_start": 4, "content_end": 9, "cue_start": 0}
    rows = [
        {**row, "cue_class": "speech", "type": "criticism", "content": "some text"},
        {**row, "cue_class": "speech", "type": "statement"},  # the same attribution again
    ]
    source.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "labels.jsonl"
    assert import_labels([source], out) == 1
    assert json.loads(out.read_text()) == {**row, "cue_class": "speech", "type": "criticism"}


# (sentence, cue, content, type): a tiny corpus written for the training test
TINY = [
    ("Mr Hale said the new tax was shoddy and botched.", "said", "criticism"),
    ("Ms Ruiz said the bridge would reopen in May.", "said", "statement"),
    ("Mr Hale said the nurses were splendid and heroic.", "said", "support"),
    ("Ms Ruiz said the budget had grown last year.", "said", "statement"),
    ("Mr Hale said the report was shoddy and sloppy.", "said", "criticism"),
    ("Ms Ruiz said the volunteers were heroic.", "said", "support"),
]


def _tiny_corpus(folder: Path) -> tuple[Path, Path]:
    corpus, labels = folder / "tiny.jsonl", folder / "labels.jsonl"
    with corpus.open("w", encoding="utf-8") as texts, labels.open("w", encoding="utf-8") as out:
        for number, (text, cue, statement_type) in enumerate(TINY * 4):
            cue_start = text.index(cue)
            content_start = cue_start + len(cue) + 1
            statement = {
                "speaker": text[: cue_start - 1],
                "speaker_start": 0,
                "speaker_end": cue_start - 1,
                "cue": cue,
                "cue_start": cue_start,
                "cue_end": cue_start + len(cue),
                "content_start": content_start,
                "content_end": len(text) - 1,
                "content_spans": [[content_start, len(text) - 1]],
                "kind": "indirect",
            }
            record = {"id": f"tiny-{number}", "text": text, "statements": [statement]}
            texts.write(json.dumps(record) + "\n")
            label = {
                "id": record["id"],
                "content_start": content_start,
                "content_end": len(text) - 1,
                "cue_start": cue_start,
                "cue_class": "speech",
                "type": statement_type,
            }
            out.write(json.dumps(label) + "\n")
    return corpus, labels


def test_training_runs_end_to_end_on_a_tiny_corpus(tmp_path: Path, nlp):
    corpus, labels = _tiny_corpus(tmp_path)
    model_dir = tmp_path / "model"
    arguments = ["--train", str(corpus), "--labels", str(labels), "--out", str(model_dir)]
    assert train_main([*arguments, "--no-dev"]) == 0
    provenance = json.loads((model_dir / TYPE_PROVENANCE).read_text())
    assert provenance["data"]["documents"] == 24
    assert provenance["data"]["labelled"] == 24
    digest = hashlib.sha256((model_dir / TYPE_MODEL).read_bytes()).hexdigest()
    assert provenance["files"] == {TYPE_MODEL: digest}
    typer = StatementTyper(load_type_classifier(model_dir))
    doc = _untyped_doc(nlp, "Dr Moss said the old bridge was shoddy and sloppy.")
    # no content rule knows "shoddy" or "sloppy"
    assert StatementTyper(None)(doc)._.kb_statements[0]["statement_type"] == "statement"
    assert [s["statement_type"] for s in typer(doc)._.kb_statements] == ["criticism"]


def test_an_explicit_cue_is_overridden_only_above_the_override_threshold(tmp_path: Path, nlp):
    corpus, labels = _tiny_corpus(tmp_path)
    model_dir = tmp_path / "model"
    arguments = ["--train", str(corpus), "--labels", str(labels), "--out", str(model_dir)]
    assert train_main([*arguments, "--no-dev"]) == 0
    doc = _untyped_doc(nlp, "Dr Moss praised the old bridge as shoddy and sloppy.")
    model = model_dir / TYPE_MODEL
    never = StatementTyper(TypeClassifier(model, threshold=0.0, override_threshold=1.0))
    always = StatementTyper(TypeClassifier(model, threshold=0.0, override_threshold=0.0))
    # "praised" is support in the cue lexicon; the tiny model reads "shoddy and sloppy"
    assert [s["statement_type"] for s in never(doc)._.kb_statements] == ["support"]
    assert [s["statement_type"] for s in always(doc)._.kb_statements] == ["criticism"]
