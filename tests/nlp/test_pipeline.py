"""Public API: load_pipeline caching, extract_many batching (also across processes)."""

from __future__ import annotations

from statements.nlp import DocumentMetadata, extract, extract_many, load_pipeline

TEXTS = [
    "“The border must be secured,” the minister said on Monday.",
    "Officials said that the talks had failed.",
    "",
]


def test_load_pipeline_is_cached(nlp):
    assert load_pipeline() is nlp
    assert "kb_attribution" in nlp.pipe_names


def test_extract_many_matches_extract(nlp):
    items = [(text, DocumentMetadata(title=str(i))) for i, text in enumerate(TEXTS)]
    many = list(extract_many(items, nlp=nlp, batch_size=2))
    assert [x.metadata.title for x in many] == ["0", "1", "2"]
    assert [x.statements for x in many] == [extract(t, nlp=nlp).statements for t in TEXTS]


def test_extract_many_in_two_processes(nlp):
    items = [(text, DocumentMetadata()) for text in TEXTS * 2]
    many = list(extract_many(items, nlp=nlp, batch_size=2, n_process=2))
    single = [extract(text, nlp=nlp) for text in TEXTS * 2]
    assert [x.statements for x in many] == [x.statements for x in single]
    assert [x.entities for x in many] == [x.entities for x in single]


def test_extract_many_in_processes_keeps_input_order_over_many_batches(nlp):
    """More batches than the workers keep in flight: results still come back in order."""
    texts = [f"Minister {name} said the talks had failed." for name in "ABCDEFGHIJKLM"]
    items = [(text, DocumentMetadata(title=str(i))) for i, text in enumerate(texts)]
    many = list(extract_many(items, nlp=nlp, batch_size=1, n_process=2))
    assert [x.metadata.title for x in many] == [str(i) for i in range(len(texts))]
    assert [x.text for x in many] == texts


def test_extract_many_in_processes_reads_input_lazily(nlp):
    """The caller's iterator is consumed a batch at a time, in the caller's process."""
    consumed: list[int] = []

    def items():
        for i, text in enumerate(TEXTS * 4):
            consumed.append(i)
            yield text, DocumentMetadata()

    results = extract_many(items(), nlp=nlp, batch_size=2, n_process=2)
    next(results)
    assert len(consumed) < len(TEXTS * 4)
    assert len(list(results)) == len(TEXTS * 4) - 1
