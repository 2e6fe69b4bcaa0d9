"""In real headless Chromium: an editor corrects a statement in the
admin and the public statement page shows the correction.

Uses the ``page`` fixture of tests/browser/conftest.py (Debian's /usr/bin/chromium; the
test is skipped with a reason when it is absent).
"""

from __future__ import annotations

import os
import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from statements.models import ReviewStatus, Statement
from tests.admin.helpers import editors_group
from tests.factories import DocumentFactory, PersonFactory, StatementFactory

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


def test_editor_corrects_speaker_and_type_and_the_public_page_shows_it(page, screenshot):
    text = (
        "Iraq and Turkey met in Baghdad on Monday.\n"
        "The minister said that Turkish forces must leave the Kurdistan Region."
    )
    document = DocumentFactory(text=text, title="Iraq presses Turkey")
    start = text.index("Turkish forces")
    wrong_speaker = PersonFactory(name="Hakan Fidan")
    right_speaker = PersonFactory(name="Fuad Hussein")
    statement = StatementFactory(
        document=document,
        speaker_person=wrong_speaker,
        speaker_text="The minister",
        content=text[start : text.index(".", start)],
        content_start=start,
        content_end=text.index(".", start),
        statement_type="statement",
        original_extraction={"speaker_text": "The minister", "statement_type": "statement"},
    )
    editor = User.objects.create_user("editor", password=PASSWORD, is_staff=True)
    editor.groups.add(editors_group())

    page.goto("/admin/login/?next=/admin/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#site-name")).to_be_visible()

    page.goto(f"/admin/statements/statement/{statement.pk}/change/")
    # The source paragraph is shown with the statement marked.
    expect(page.locator(".kb-source mark").first).to_have_text(statement.content)
    # Speaker: the select2 autocomplete widget, searched by name.
    page.locator("#id_speaker_person + .select2 .select2-selection").click()
    page.locator(".select2-search__field").fill("Fuad")
    page.locator(".select2-results__option", has_text="Fuad Hussein").click()
    page.locator("#id_statement_type").select_option("demand")
    screenshot(page, "admin-statement")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    statement = Statement.objects.get(pk=statement.pk)
    assert statement.speaker_person == right_speaker
    assert statement.statement_type == "demand"
    assert statement.review_status == ReviewStatus.EDITED
    assert statement.reviewed_by == editor

    page.goto(statement.get_absolute_url())
    head = page.locator(".statement-page h1")
    expect(head).to_contain_text("Fuad Hussein")
    expect(head).not_to_contain_text("Hakan Fidan")
    meta = page.locator("dl.meta")
    expect(meta.locator("dt:text-is('Type') + dd")).to_contain_text(re.compile("demand", re.I))
    expect(meta.locator("dt:text-is('Review') + dd")).to_contain_text("edited")
