"""Three visitor journeys in real headless Chromium; they also take the screenshots
linked from the README (docs/screenshots/)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from statements.models import Person, Statement

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_khazali_reaches_his_person_page(page, site_data, screenshot):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Who said what")
    screenshot(page, "home")

    page.get_by_label("Search statements, people, organisations and documents").fill("Khazali")
    page.keyboard.press("Enter")
    people = page.locator("section", has=page.get_by_role("heading", name="People", exact=True))
    people.get_by_role("link", name=re.compile("Khazali")).first.click()

    khazali = Person.objects.get(name="Qais al-Khazali")
    expect(page).to_have_url(re.compile(re.escape(khazali.get_absolute_url()) + "$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Qais al-Khazali")
    expect(page.locator("#statements .statement-item")).to_have_count(
        min(20, khazali.statements.count())
    )
    expect(page.locator("svg.timeline")).to_be_visible()
    screenshot(page, "person")


def test_statement_shows_its_highlighted_source(page, site_data, screenshot):
    statement = (
        Statement.objects.filter(
            document=site_data, speaker_person__name="Qais al-Khazali", kind="direct"
        )
        .order_by("content_start")
        .first()
    ) or Statement.objects.filter(speaker_person__isnull=False).first()
    page.goto(statement.speaker_person.get_absolute_url())
    page.locator(f'a[href="{statement.get_absolute_url()}"]').first.click()

    highlighted = page.locator(".source-paragraph mark.stmt")
    expect(highlighted.first).to_be_visible()
    expect(highlighted.first).to_contain_text(statement.content[:30])
    screenshot(page, "statement")

    page.get_by_role("link", name="View source").click()
    expect(page).to_have_url(re.compile(f"#s-{statement.pk}$"))
    anchor = page.locator(f"mark#s-{statement.pk}")
    expect(anchor).to_be_visible()
    anchor.focus()
    expect(anchor).to_have_attribute("title", re.compile(statement.speaker_person.name))
    # Every statement of the document is drawn, once with its anchor.
    expect(page.locator(".document-text mark.stmt[id]")).to_have_count(
        statement.document.statements.count()
    )
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "document")


def test_filter_person_statements_by_type(page, site_data):
    # The most quoted person, whoever the engine finds (Hawre Tawfiq on the seed today).
    person = max(Person.objects.all(), key=lambda p: (p.statements.count(), p.name))
    counts: dict[str, int] = {}
    for statement_type in person.statements.values_list("statement_type", flat=True):
        counts[statement_type] = counts.get(statement_type, 0) + 1
    chosen = max(counts, key=lambda t: (counts[t], t))

    page.goto(person.get_absolute_url())
    expect(page.locator("#statements .statement-item")).to_have_count(min(20, sum(counts.values())))
    page.get_by_label("Type", exact=True).select_option(chosen)
    page.get_by_role("button", name="Filter").click()

    expect(page).to_have_url(re.compile(f"type={chosen}"))
    items = page.locator("#statements .statement-item")
    expect(items).to_have_count(min(20, counts[chosen]))
    expect(items.locator(".badge")).to_have_text([chosen] * min(20, counts[chosen]))

    # The type badges above the list filter too, with the keyboard.
    page.goto(person.get_absolute_url())
    badge = page.locator(".type-filter").get_by_role("link", name=re.compile(f"^{chosen}"))
    badge.focus()
    page.keyboard.press("Enter")
    expect(page.locator(f'.type-filter a.t-{chosen}[aria-current="true"]')).to_be_visible()
    expect(items).to_have_count(min(20, counts[chosen]))
