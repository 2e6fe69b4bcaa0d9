"""Fixtures for the extraction engine's tests: no database, no Django, one model per session."""

from __future__ import annotations

from pathlib import Path

import pytest
from spacy.language import Language

from statements.nlp import load_pipeline

SEED_ARTICLE = Path(__file__).resolve().parents[2] / "seeds" / "iraq-turkey-withdrawal.txt"


@pytest.fixture(scope="session")
def nlp() -> Language:
    """The spaCy model with our components, loaded once for the whole test session."""
    return load_pipeline()


@pytest.fixture(scope="session")
def seed_article() -> str:
    return SEED_ARTICLE.read_text(encoding="utf-8")
