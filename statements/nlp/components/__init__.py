"""spaCy components of the extraction engine, one module per stage.

``statements.nlp.pipeline`` imports every stage module, which registers the factories
(``kb_entities``, ``kb_quotes``, ``kb_attribution``, ``kb_learned_attribution``, ``kb_speakers``,
``kb_roles``, ``kb_events``, ``kb_types``) and the Doc extensions they write. Every extension
holds plain lists, dicts, strings and ints only, so a Doc survives the msgpack round trip of
``nlp.pipe(..., n_process=2)``.
"""

PIPELINE_COMPONENTS = (
    "kb_entities",
    "kb_quotes",
    "kb_attribution",
    "kb_learned_attribution",
    "kb_speakers",
    "kb_roles",
    "kb_events",
    "kb_types",
)
