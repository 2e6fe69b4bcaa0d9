"""Small hardening items: bidirectional isolation of names, offsets an editor types."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from tests.factories import PersonFactory, StatementFactory

pytestmark = pytest.mark.django_db

RLO = "\u202e"


def test_a_right_to_left_override_in_a_name_cannot_reorder_the_page_title(client):
    person = PersonFactory(name=f"Mallory {RLO}sretsiger")
    page = client.get(person.get_absolute_url()).content.decode()
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    # The name (with its override) sits inside an isolate that closes before " · kb".
    assert title == f"\u2068Mallory {RLO}sretsiger\u2069 · kb"


def test_links_are_bidirectional_islands():
    from django.contrib.staticfiles import finders

    css = Path(finders.find("kb/kb.css")).read_text(encoding="utf-8")
    assert re.search(r"(^|\n)a \{ unicode-bidi: isolate; \}", css)


def test_offsets_beyond_the_text_are_refused(admin_client):
    statement = StatementFactory()
    length = len(statement.document.text)
    statement.content_end = length + 50
    with pytest.raises(ValidationError, match="not inside the document"):
        statement.full_clean()
    statement.content_end = statement.content_start
    statement.cue_start, statement.cue_end = 0, length + 1
    with pytest.raises(ValidationError, match="cue_end"):
        statement.full_clean()
    statement.cue_start = statement.cue_end = None
    statement.content_spans = [[0, length + 10]]
    with pytest.raises(ValidationError, match="content_spans"):
        statement.full_clean()
