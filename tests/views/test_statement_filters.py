"""The statement lists' filter form: the query string's values shown back escaped, the
chosen options marked, an actor page's "About" picker from its targets, errors listed."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from statements.services.summaries import summaries_rebuild
from tests.factories import PersonFactory, StatementFactory

pytestmark = pytest.mark.django_db


def _form(html: str) -> str:
    match = re.search(r'<form class="filters".*?</form>', html, re.S)
    assert match, "no filter form on the page"
    return match.group(0)


def test_the_list_form_shows_the_query_back_escaped(client):
    url = reverse("statements:statement-list")
    html = client.get(url, {"q": '"tax" <b>', "type": "demand", "target": "a&b"}).content
    form = _form(html.decode())
    assert 'name="q" value="&quot;tax&quot; &lt;b&gt;"' in form
    assert '<option value="demand" selected>' in form
    assert form.count(" selected") == 1
    assert 'name="target" value="a&amp;b"' in form
    assert f'<a href="{url}">Clear</a>' in form
    assert "form-errors" not in form


def test_a_filter_not_understood_is_listed(client):
    html = client.get(reverse("statements:statement-list"), {"date_after": "soon"}).content
    form = _form(html.decode())
    assert 'name="date_after" value="soon"' in form
    errors = re.search(r'<div class="form-errors".*?</div>', form, re.S)
    assert errors and "<strong>date</strong>: Enter a valid date." in errors.group(0)


def test_an_actor_page_offers_its_targets_and_marks_the_chosen_one(client):
    speaker, target = PersonFactory(name="Ana Speaker"), PersonFactory(name="Bo <Target>")
    statement = StatementFactory(speaker_person=speaker)
    statement.targets.create(person=target)
    summaries_rebuild()
    url = reverse("statements:person-detail", args=[speaker.slug])
    form = _form(client.get(url).content.decode())
    assert f'<option value="{target.slug}">Bo &lt;Target&gt; (1)</option>' in form
    assert 'name="q"' not in form  # the words box is the statement list's
    form = _form(client.get(url, {"target": target.slug}).content.decode())
    assert f'<option value="{target.slug}" selected>' in form
