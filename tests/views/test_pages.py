"""Every page of the HTML site on the seed article ingested through the real service.

Extraction keeps improving, so the assertions compare each page with what the database
holds (the person's statements as stored), not with hard-coded extraction results; only
"Khazali" is named, because the engine reliably finds him.
"""

from __future__ import annotations

import html as html_lib
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from statements.models import (
    Document,
    Event,
    Mention,
    Organisation,
    OtherName,
    Person,
    ReviewStatus,
    Statement,
)
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

VOID = {"br", "img", "input", "meta", "link", "hr", "wbr", "source", "col", "area", "path"}


class _Balance(HTMLParser):
    """Fails on a closing tag that does not match the innermost open element."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
        else:
            self.stack.pop()


class _Marked(HTMLParser):
    """Collects the visible text inside the ``<mark>`` pieces of one statement."""

    def __init__(self, pk: int) -> None:
        super().__init__()
        self.pk, self.depth, self.hidden, self.text = str(pk), 0, 0, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.depth:
            self.depth += tag not in VOID
            self.hidden += self.hidden > 0 or attrs.get("class") == "vh"
        elif tag == "mark" and attrs.get("data-statement") == self.pk:
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1
            self.hidden = max(0, self.hidden - 1)

    def handle_data(self, data):
        if self.depth and not self.hidden:
            self.text.append(data)


def marked_text(html: str, pk: int) -> str:
    parser = _Marked(pk)
    parser.feed(html)
    return "".join(parser.text)


def assert_well_formed(html: str) -> None:
    parser = _Balance()
    parser.feed(html)
    parser.close()
    assert not parser.errors, parser.errors[:5]
    assert parser.stack == [], parser.stack


def khazali() -> Person:
    return Person.objects.get(name_key__contains="khazali", merged_into__isnull=True)


def public(statements):
    return statements.exclude(review_status=ReviewStatus.REJECTED)


def test_home_shows_counts_latest_statements_and_most_quoted(client, ingested_seed):
    response = client.get(reverse("statements:home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"<strong>{Statement.objects.count()}</strong> statements" in html
    assert f"<strong>{Document.objects.count()}</strong> documents" in html
    top = max(Person.objects.all(), key=lambda p: p.statements.count())
    assert top.get_absolute_url() in html
    latest = Statement.objects.order_by("-id").first()
    assert latest.get_absolute_url() in html
    assert 'role="search"' in html and 'for="home-q"' in html
    assert_well_formed(html)


def test_every_page_is_linked_from_the_nav(client, ingested_seed):
    html = client.get(reverse("statements:home")).content.decode()
    for name in ("statement-list", "person-list", "organisation-list", "event-list"):
        assert f'href="{reverse(f"statements:{name}")}"' in html
    for url in (reverse("statements:document-list"), reverse("statements:search"), "/api/"):
        assert f'href="{url}"' in html
    assert f'href="{reverse("admin:index")}"' in html


def test_person_list_searches_names_and_aliases_without_accents(client, ingested_seed):
    response = client.get(reverse("statements:person-list"))
    assert response.status_code == 200
    assert (
        response.context["page"].paginator.count
        == Person.objects.filter(merged_into__isnull=True).count()
    )
    html = client.get(reverse("statements:person-list"), {"name": "KHAZALI"}).content.decode()
    assert khazali().get_absolute_url() in html

    accented = PersonFactory(name="Zoë Ünal-Şahin")
    OtherName.objects.create(person=accented, name="Madame Ünal")
    for query in ("zoe unal", "SAHIN", "madame unal"):
        page = client.get(reverse("statements:person-list"), {"name": query}).context["page"]
        assert [p.pk for p in page.object_list] == [accented.pk], query


def test_organisation_list_filters_by_alias_and_classification(client, ingested_seed):
    response = client.get(reverse("statements:organisation-list"))
    assert response.status_code == 200
    live = Organisation.objects.filter(merged_into__isnull=True)
    assert response.context["page"].paginator.count == live.count()
    alias = OtherName.objects.filter(organisation__isnull=False).first()
    if alias is not None:
        page = client.get(reverse("statements:organisation-list"), {"name": alias.name})
        assert alias.organisation in page.context["page"].object_list
    classification = live.exclude(classification="").values_list("classification", flat=True)[0]
    page = client.get(reverse("statements:organisation-list"), {"classification": classification})
    assert {o.classification for o in page.context["page"].object_list} == {classification}


def test_statement_event_and_document_lists(client, ingested_seed):
    response = client.get(reverse("statements:statement-list"))
    assert response.context["page"].paginator.count == public(Statement.objects.all()).count()
    demand = client.get(reverse("statements:statement-list"), {"type": "demand"})
    assert {s["statement_type"] for s in demand.context["page"].object_list} <= {"demand"}
    assert (
        demand.context["page"].paginator.count
        == Statement.objects.filter(statement_type="demand").count()
    )
    events = client.get(reverse("statements:event-list"))
    assert events.context["page"].paginator.count == Event.objects.count()
    for event in Event.objects.all():
        assert event.get_absolute_url() in events.content.decode()
    documents = client.get(reverse("statements:document-list"))
    assert ingested_seed.get_absolute_url() in documents.content.decode()


def test_person_page_lists_their_statements_roles_and_charts(client, ingested_seed):
    person = khazali()
    response = client.get(person.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Qais al-Khazali" in html
    stored = public(person.statements.all())
    assert response.context["page"].paginator.count == stored.count() > 0
    for statement in stored:
        assert statement.get_absolute_url() in html
    dates = [s["date"] for s in response.context["page"].object_list if s["date"]]
    assert dates == sorted(dates, reverse=True)  # newest first
    for membership in person.memberships.all():
        assert membership.role in html
    assert '<svg class="chart timeline"' in html
    targeted = {t.person_id or t.organisation_id for s in stored for t in s.targets.all()}
    if targeted:
        assert '<svg class="chart talk-graph"' in html
    assert_well_formed(html)


def test_person_page_filters_statements_by_type_target_and_date(client, ingested_seed):
    person = khazali()
    stored = public(person.statements.all())
    for statement_type in set(stored.values_list("statement_type", flat=True)):
        page = client.get(person.get_absolute_url(), {"type": statement_type}).context["page"]
        assert page.paginator.count == stored.filter(statement_type=statement_type).count()
        assert {s["statement_type"] for s in page.object_list} == {statement_type}
    target = Statement.targets.rel.related_model.objects.filter(statement__in=stored).first()
    if target is not None:
        actor = target.person or target.organisation
        page = client.get(person.get_absolute_url(), {"target": actor.slug}).context["page"]
        expected = (
            stored.filter(targets__person=target.person)
            if target.person
            else (stored.filter(targets__organisation=target.organisation))
        )
        assert page.paginator.count == expected.distinct().count()
    page = client.get(person.get_absolute_url(), {"date_after": "2100-01-01"}).context["page"]
    assert page.paginator.count == 0


def test_merged_person_and_organisation_redirect_to_the_survivor(client, ingested_seed):
    survivor = khazali()
    loser = PersonFactory(name="Q. Khazali", merged_into=survivor)
    response = client.get(loser.get_absolute_url())
    assert response.status_code == 301
    assert response["Location"] == survivor.get_absolute_url()
    organisation = Organisation.objects.filter(merged_into__isnull=True).first()
    merged = Organisation.objects.create(name="Old Name Org", merged_into=organisation)
    response = client.get(merged.get_absolute_url())
    assert response.status_code == 301
    assert response["Location"] == organisation.get_absolute_url()


def test_organisation_page_lists_members_and_statements_by_and_about_it(client, ingested_seed):
    for organisation in Organisation.objects.filter(merged_into__isnull=True):
        response = client.get(organisation.get_absolute_url())
        assert response.status_code == 200
        html = response.content.decode()
        members = organisation.memberships.values_list("person", flat=True)
        by = public(Statement.objects.filter(speaker_organisation=organisation)) | public(
            Statement.objects.filter(speaker_person__in=members)
        )
        assert response.context["page"].paginator.count == by.distinct().count()
        for membership in organisation.memberships.all():
            assert membership.person.get_absolute_url() in html
        about = public(Statement.objects.filter(targets__organisation=organisation))
        assert len(response.context["about"]) == min(about.count(), 10)


def test_event_page_shows_participants_and_statements(client, ingested_seed):
    for event in Event.objects.all():
        response = client.get(event.get_absolute_url())
        assert response.status_code == 200
        html = response.content.decode()
        assert event.name in html
        for statement in public(event.statements.all()):
            assert statement.get_absolute_url() in html
        for participant in event.participants.all():
            actor = participant.person or participant.organisation
            assert actor.get_absolute_url() in html


def test_statement_page_highlights_it_in_its_paragraph(client, admin_client, ingested_seed):
    for statement in Statement.objects.all():
        response = client.get(statement.get_absolute_url())
        assert response.status_code == 200
        html = response.content.decode()
        paragraph = re.search(r'<p class="source-paragraph">.*?</p>\s', html, re.S).group(0)
        assert f'id="s-{statement.pk}"' in paragraph
        start, end = statement.content_start, statement.content_end
        assert marked_text(paragraph, statement.pk) == ingested_seed.text[start:end]
        assert f'href="{ingested_seed.get_absolute_url()}#s-{statement.pk}"' in html
        if statement.speaker:
            assert statement.speaker.get_absolute_url() in html
        admin_url = reverse("admin:statements_statement_change", args=[statement.pk])
        assert admin_url not in html
        assert_well_formed(html)
    staff_html = admin_client.get(statement.get_absolute_url()).content.decode()
    assert admin_url in staff_html and "Edit in admin" in staff_html


def test_document_page_highlights_every_statement_and_links_every_mention(client, ingested_seed):
    response = client.get(ingested_seed.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    text = html.split('<div class="document-text">', 1)[1].split("</div>", 1)[0]
    assert_well_formed(text)
    for statement in public(ingested_seed.statements.all()):
        anchor = re.search(rf'<mark class="stmt t-(\w+)"[^>]*id="s-{statement.pk}"[^>]*>', text)
        assert anchor, statement.pk
        assert anchor.group(1) == statement.statement_type
        assert 'tabindex="0"' in anchor.group(0) and "title=" in anchor.group(0)
        start, end = statement.content_start, statement.content_end
        assert marked_text(text, statement.pk) == ingested_seed.text[start:end]
    resolved = Mention.objects.filter(document=ingested_seed).exclude(
        person__isnull=True, organisation__isnull=True
    )
    for mention in resolved:
        assert (mention.person or mention.organisation).get_absolute_url() in text
    assert text.count('class="mention') >= 1
    # The visible words are the document's text, unchanged.
    visible = re.sub(r'<span class="vh">.*?</span>|<a class="stmt-ref".*?</a>', "", text)
    visible = re.sub(r"<[^>]+>", "", visible.replace("</p>", "\n"))
    assert html_lib.unescape(visible).split() == ingested_seed.text.split()
    assert 'class="legend"' in html
    for event in ingested_seed.events.exclude(start__isnull=True):
        assert f'id="e-{event.pk}"' in text  # the event page's "source" link lands here


def test_search_finds_khazali_with_facets(client, ingested_seed):
    response = client.get(reverse("statements:search"), {"q": "Khazali"})
    assert response.status_code == 200
    html = response.content.decode()
    person = khazali()
    assert person in list(response.context["people"])
    assert person.get_absolute_url() in html
    facets = response.context["facets"]
    total = response.context["page"].paginator.count
    assert sum(f.count for f in facets["types"]) == total
    speaker_facet = next(f for f in facets["speakers"] if f.params["speaker"] == person.slug)
    narrowed = client.get(reverse("statements:search"), {"q": "Khazali", **speaker_facet.params})
    assert narrowed.context["page"].paginator.count == speaker_facet.count
    assert all(s["speaker_person_id"] == person.pk for s in narrowed.context["page"].object_list)


def test_missing_pages_are_friendly_404s(client, ingested_seed):
    for url in ("/people/nobody-at-all/", "/statements/999999/", "/documents/999999/", "/nope/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"We could not find that page" in response.content
        assert b'action="/search/"' in response.content


def test_text_in_the_database_is_escaped(client, db):
    from tests.factories import DocumentFactory, StatementFactory

    document = DocumentFactory(text='He said "<script>alert(1)</script>" & left.', title="<b>x</b>")
    statement = StatementFactory(
        document=document, content="<script>alert(1)</script>", content_start=9, content_end=34
    )
    for url in (document.get_absolute_url(), statement.get_absolute_url(), "/statements/"):
        html = client.get(url).content.decode()
        assert "<script>alert" not in html and "<b>x</b>" not in html
        assert "&lt;script&gt;" in html


def test_filters_that_are_not_understood_are_reported_not_fatal(client, ingested_seed):
    for url in ("/statements/", "/events/", "/documents/", "/people/", "/organisations/"):
        response = client.get(
            url,
            {
                "type": "no-such-type",
                "date_after": "31/31/2024",
                "published_after": "x",
                "classification": "nope",
            },
        )
        assert response.status_code == 200, url
        assert response.context["filterset"].form.errors, url
        assert b"Some filters were not understood" in response.content, url


def test_pages_have_no_inline_script_or_style_and_label_every_control(client, ingested_seed):
    """The Content-Security-Policy forbids inline scripts; every form control is labelled."""
    person = khazali()
    statement = Statement.objects.first()
    urls = [
        "/",
        "/statements/",
        "/people/",
        "/organisations/",
        "/events/",
        "/documents/",
        "/search/?q=Khazali",
        person.get_absolute_url(),
        statement.get_absolute_url(),
        ingested_seed.get_absolute_url(),
        Organisation.objects.first().get_absolute_url(),
        Event.objects.first().get_absolute_url(),
    ]
    for url in urls:
        html = client.get(url).content.decode()
        assert "<script" not in html and " style=" not in html and "<style" not in html, url
        labels = set(re.findall(r'<label for="([^"]+)"', html))
        for tag, control_id in re.findall(
            r'<(input|select)(?![^>]*type="hidden")[^>]*id="([^"]+)"', html
        ):
            assert control_id in labels, (url, tag, control_id)
        controls = re.findall(r'<(?:input|select)(?![^>]*type="hidden")[^>]*>', html)
        assert all('id="' in c for c in controls), (url, controls)


def test_server_error_page_renders_without_a_request():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Something went wrong" in html and 'href="/"' in html


def test_an_organisation_with_many_roles_lists_the_first_and_links_to_the_rest(client):
    from statements.models import Membership
    from tests.factories import OrganisationFactory

    big, small = OrganisationFactory(name="Ministry of Many"), OrganisationFactory()
    people = [PersonFactory(name=f"Member {index:02d}") for index in range(53)]
    Membership.objects.bulk_create(
        Membership(person=person, organisation=big, role="adviser") for person in people
    )
    Membership.objects.create(person=people[0], organisation=small, role="chair")

    page = client.get(big.get_absolute_url()).content.decode()
    rows = re.findall(r'<th scope="row"><a href="/people/[^"]+/">(Member \d+)</a>', page)
    assert rows == [f"Member {index:02d}" for index in range(50)]
    assert "The first 50 of 53 roles." in page
    assert f'href="/people/?organisation={big.slug}"' in page
    listed = client.get(f"/people/?organisation={big.slug}").context["page"].paginator
    assert listed.count == 53

    page = client.get(small.get_absolute_url()).content.decode()
    assert "Member 00" in page and "roles." not in page
