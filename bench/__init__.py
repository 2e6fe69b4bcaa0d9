"""Benchmarks: `make bench` runs bench/run.py, which writes docs/benchmarks.md.

Not part of the product: nothing under statements/ or kb/ imports this package except the
``generate_corpus`` command, which runs the corpus generator (bench/synthetic.py).
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
