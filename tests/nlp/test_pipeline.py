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
