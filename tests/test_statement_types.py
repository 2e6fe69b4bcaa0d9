"""Statement types are declared once, in the lexicon; the model's choices follow it."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from statements.models import Statement, StatementType
from statements.nlp.lexicons import statement_types


def test_the_model_choices_are_the_lexicon_types_in_order():
    assert StatementType.values == list(statement_types())
    assert Statement._meta.get_field("statement_type").choices == [
        (name, name) for name in statement_types()
    ]
    assert StatementType.DEMAND == "demand"


@pytest.mark.django_db
def test_the_migrations_match_the_models():
    # A type added to the lexicon changes the field's choices: this fails until a migration
    # records it, like any other model change.
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()
