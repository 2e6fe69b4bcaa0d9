"""bench/run.py's options and the report's Method (no server, no load)."""

from __future__ import annotations

import pytest

from bench.measure import ScaleRun
from bench.report import _method_lines
from bench.run import parse_args


def test_corpus_templates_are_read_per_scale():
    args = parse_args(["--scales", "10000,1000000,10000", "--corpus-template", "1_000_000=kb_1m"])
    assert args.corpus_templates == {1_000_000: "kb_1m"}
    assert parse_args(["--scales", "10000"]).corpus_templates == {}


@pytest.mark.parametrize("option", ["100000=kb_1m", "1000000", "1000000=kb-1m; DROP", "many=kb_1m"])
def test_a_template_for_no_scale_or_with_a_strange_name_is_refused(option, capsys):
    with pytest.raises(SystemExit):
        parse_args(["--scales", "10000,1000000", "--corpus-template", option])
    assert "--corpus-template" in capsys.readouterr().err


def test_the_method_says_which_corpus_was_copied():
    args = parse_args(["--scales", "10000,1000000"])
    runs = [
        ScaleRun(10_000, "generated", 1.0, {}, 0.0, [], {}),
        ScaleRun(1_000_000, "copied", 1.0, {}, 0.0, [], {}, corpus_template="kb_1m"),
    ]
    method = "\n".join(_method_lines(args, runs))
    assert "1M from `kb_1m`" in method and "10k from" not in method
    assert "TEMPLATE" not in "\n".join(_method_lines(args, runs[:1]))
