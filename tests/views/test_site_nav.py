"""The main menu on every page marks the section the page belongs to, and only that one."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _current(html: str) -> list[str]:
    nav = re.search(r'<nav aria-label="Main">.*?</nav>', html, re.S)
    assert nav, "no main menu on the page"
    return re.findall(r'<a href="([^"]+)" aria-current="page">', nav.group(0))


@pytest.mark.parametrize(
    ("url", "section"),
    [
        ("statements:statement-list", "statements:statement-list"),
        ("statements:search", "statements:search"),
        ("statements:home", None),
    ],
)
def test_the_menu_marks_the_current_section(client, url, section):
    html = client.get(reverse(url)).content.decode()
    assert _current(html) == ([reverse(section)] if section else [])


def test_a_detail_page_marks_its_list_and_a_missing_page_marks_none(client):
    person = PersonFactory(name="Ana Speaker")
    html = client.get(reverse("statements:person-detail", args=[person.slug])).content.decode()
    assert _current(html) == [reverse("statements:person-list")]
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert _current(response.content.decode()) == []
