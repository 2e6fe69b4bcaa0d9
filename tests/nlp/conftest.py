"""Fixtures for the extraction engine's tests: no database, no Django, one model per session."""

from __future__ import annotations

from pathlib import Path

import pytest
from spacy.language import Language

from statements.nlp import load_pipeline
from statements.readers import txt_parse

SEED_ARTICLE = Path(__file__).resolve().parents[2] / "seeds" / "iraq-turkey-withdrawal.txt"


@pytest.fixture(scope="session")
def nlp() -> Language:
    """The spaCy model with our components, loaded once for the whole test session."""
    return load_pipeline()


@pytest.fixture(scope="session")
def seed_article() -> str:
    """The seed article's text, without its header block (what a document stores)."""
    return txt_parse(SEED_ARTICLE.read_text(encoding="utf-8"), where=str(SEED_ARTICLE)).text
