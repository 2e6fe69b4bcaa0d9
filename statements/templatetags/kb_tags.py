"""Template tags of the HTML site: highlighted documents, type badges, page links."""

from __future__ import annotations

import functools
from collections.abc import Iterable

from django import template
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import truncatechars, truncatewords
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString

from statements.highlight import (
    Span,
    document_render,
    paragraph_around,
    spans_render,
    statement_fragments,
)
from statements.models import Event, Mention, Statement, document_name

register = template.Library()


def _speaker_label(statement: Statement) -> str:
    speaker = statement.speaker_person or statement.speaker_organisation
    return speaker.name if speaker else (statement.speaker_text or "unknown speaker")


def statement_spans(statement: Statement, *, link: bool = True) -> list[Span]:
    """Spans drawing one statement: a ``<mark>`` per fragment, coloured by type."""
    speaker = _speaker_label(statement)
    label = f"{statement.get_statement_type_display()} by {speaker}"
    spans = []
    fragments = statement_fragments(statement)
    for index, (start, end) in enumerate(fragments):
        first, last = index == 0, index == len(fragments) - 1
        attrs = {
            "class": f"stmt t-{statement.statement_type}",
            "title": label,
            "data-label": label,
            "data-statement": str(statement.pk),
        }
        if first:
            attrs.update({"id": f"s-{statement.pk}", "tabindex": "0"})
        after = ""
        if link and last:
            after = format_html(
                '<a class="stmt-ref" href="{}" title="Open statement {}: {}">'
                '<span aria-hidden="true">↗</span><span class="vh">statement {}</span></a>',
                statement.get_absolute_url(),
                statement.pk,
                label,
                statement.pk,
            )
        spans.append(
            Span(
                start,
                end,
                "mark",
                attrs,
                order=0,
                prefix=f"{label}: " if first else "",
                after=after,
                key=f"s{statement.pk}",
            )
        )
    return spans


def mention_spans(mentions: Iterable[Mention]) -> list[Span]:
    """Links from each resolved mention to its person or organisation page."""
    spans = []
    for mention in mentions:
        actor = mention.person or mention.organisation
        if actor is None:
            continue
        kind = "person" if mention.person_id else "organisation"
        spans.append(
            Span(
                mention.start,
                mention.end,
                "a",
                {
                    "class": f"mention m-{kind}",
                    "href": actor.get_absolute_url(),
                    "title": f"{kind}: {actor.name}",
                },
                order=1,
            )
        )
    return spans


def event_spans(events: Iterable[Event]) -> list[Span]:
    """An anchor on the words each event was read from, so event pages can point at them."""
    return [
        Span(
            event.start,
            event.end,
            "span",
            {"class": "event", "id": f"e-{event.pk}", "title": f"event: {event.name}"},
            order=2,
        )
        for event in events
        if event.start is not None and event.end is not None and event.start < event.end
    ]


@register.simple_tag
def document_html(
    document,
    statements: Iterable[Statement],
    mentions: Iterable[Mention],
    events: Iterable[Event] = (),
) -> SafeString:
    """The full text of a document, every statement highlighted, every mention linked."""
    spans: list[Span] = []
    for statement in statements:
        spans.extend(statement_spans(statement))
    spans.extend(mention_spans(mentions))
    spans.extend(event_spans(events))
    return document_render(document.text, spans)


@register.simple_tag
def statement_paragraph(statement: Statement, mentions: Iterable[Mention]) -> SafeString:
    """The paragraph around a statement with its speaker, cue and words highlighted."""
    text = statement.document.text
    start, end = paragraph_around(text, statement.content_start)
    spans = statement_spans(statement, link=False)
    for attr, css in (("speaker", "speaker"), ("cue", "cue")):
        s, e = getattr(statement, f"{attr}_start"), getattr(statement, f"{attr}_end")
        if s is not None and e is not None and s < e:
            spans.append(Span(s, e, "span", {"class": css, "title": attr}, order=2))
    spans.extend(mention_spans(m for m in mentions if start <= m.start < end))
    return format_html(
        '<p class="source-paragraph">{}</p>', spans_render(text[start:end], spans, base=start)
    )


@register.simple_tag
def type_badge(statement_type: str, label: str = "") -> SafeString:
    return format_html(
        '<span class="badge t-{}">{}</span>', statement_type, label or statement_type
    )


@register.simple_tag(takes_context=True)
def query_replace(context, **changes) -> str:
    """The current query string with ``changes`` applied (pagination and facet links)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    if "page" not in changes:
        params.pop("page", None)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag
def admin_change_url(obj) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])


@register.filter
def document_label(document) -> str:
    """The document's one name (``Document.display_name``)."""
    return "" if document is None else document.display_name


@register.simple_tag
def select_options(choices: Iterable[tuple[str, str]], selected: str | None) -> SafeString:
    """``<option>`` elements for ``(value, label)`` pairs, the ``selected`` value marked.

    Why: the speaker and organisation pickers hold up to 500 options each; a template loop
    over them was most of the statement list's rendering time. The escaped options are
    built once per list of choices and only the selected one changes per request.
    """
    html = _options_html(tuple(choices))
    if selected:
        marker = format_html('<option value="{}">', selected)
        html = html.replace(marker, marker[:-1] + " selected>", 1)
    return SafeString(html)


@functools.lru_cache(maxsize=32)
def _options_html(choices: tuple[tuple[str, str], ...]) -> str:
    return "".join(
        format_html('<option value="{}">{}</option>', value, label) for value, label in choices
    )


@register.filter(is_safe=True)
def isolate(value: object) -> str:
    """Text wrapped in Unicode isolates (FSI ... PDI), for places where HTML cannot isolate
    it (a page's <title>): a right-to-left override inside a name then ends with it and
    cannot reorder the words around it."""
    return f"\u2068{value}\u2069"


# -- statement lists --------------------------------------------------------------------------

# A value no slug or id equals, reversed in place of the argument once per view name.
_URL_MARKER = "9876543210123"


@functools.lru_cache(maxsize=16)
def _url_pattern(name: str) -> tuple[str, str]:
    """The address of view ``name`` around its one argument: ``reverse`` for every link of a
    list was a tenth of the list's time, so it runs once per process and view."""
    before, _marker, after = reverse(name, args=[_URL_MARKER]).partition(_URL_MARKER)
    return before, after


def _url(name: str, argument: object) -> str:
    before, after = _url_pattern(name)
    return f"{before}{escape(argument)}{after}"


def _actor_link(actor, name: str) -> str:
    return f'<a href="{_url(name, actor.slug)}">{escape(actor.name)}</a>'


def _statement_item(statement: Statement) -> str:
    """One ``<li>`` of a statement list (what statement_item.html drew, without a template
    per row)."""
    pk = statement.pk
    if statement.speaker_person_id:
        speaker = _actor_link(statement.speaker_person, "statements:person-detail")
    elif statement.speaker_organisation_id:
        speaker = _actor_link(statement.speaker_organisation, "statements:organisation-detail")
    else:
        speaker = (
            f'<span class="unknown">{escape(statement.speaker_text or "Unnamed speaker")}</span>'
        )
    if statement.speaker_role:
        speaker += f'<span class="role">, {escape(statement.speaker_role)}</span>'
    document = statement.document
    cite = f' cite="{escape(document.url)}"' if document.url else ""
    content = escape(truncatewords(statement.content, 60))
    if statement.kind == "direct":
        content = f"\u201c{content}\u201d"
    if statement.date:
        when = (
            f'<time datetime="{date_filter(statement.date, "Y-m-d")}">'
            f"{date_filter(statement.date, 'j M Y')}</time>"
        )
    else:
        when = '<span class="muted">undated</span>'
    foot = [when]
    targets = [
        _actor_link(t.person, "statements:person-detail")
        if t.person_id
        else _actor_link(t.organisation, "statements:organisation-detail")
        for t in statement.targets.all()
        if t.person_id or t.organisation_id
    ]
    if targets:
        foot.append(f'<span class="targets">about {", ".join(targets)}</span>')
    if statement.event_id:
        event_url = _url("statements:event-detail", statement.event_id)
        foot.append(f'<span>at <a href="{event_url}">{escape(statement.event.name)}</a></span>')
    document_url = _url("statements:document-detail", document.pk)
    source = escape(document.publisher or document)
    foot.append(f'<span>in <a href="{document_url}#s-{pk}">{source}</a></span>')
    footer = "\n      ".join(foot)
    return (
        f'<li class="statement-item">\n  <article aria-labelledby="st-{pk}-h">\n'
        f'    <header class="statement-meta">\n      '
        f"{type_badge(statement.statement_type, statement.get_statement_type_display())}\n"
        f'      <h3 id="st-{pk}-h" class="statement-speaker">\n        {speaker}\n      </h3>\n'
        f'      <span class="cue">{escape(statement.cue)}</span>\n    </header>\n'
        f'    <blockquote class="statement-content kind-{escape(statement.kind)}"{cite}>\n'
        f'      <p><a href="{_url("statements:statement-detail", pk)}">{content}</a></p>\n'
        f"    </blockquote>\n"
        f'    <footer class="statement-foot">\n      {footer}\n    </footer>\n'
        f"  </article>\n</li>"
    )


@register.simple_tag
def statement_items(statements: Iterable[Statement]) -> SafeString:
    """The ``<li>`` rows of a statement list, rendered in Python.

    Why: a template included once per row resolved some 40 variables and reversed six
    addresses per statement, most of the statement list's time; the rows' HTML is the
    same.
    """
    return SafeString("".join(_statement_item(statement) for statement in statements))


# -- quote pages ------------------------------------------------------------------------------


def _quote_report_row(report: dict) -> str:
    """One ``<tr>`` of a quote's reports, from a ``selectors.quote_report_rows`` row."""
    published = report["document__published_at"]
    if published:
        when = (
            f'<time datetime="{date_filter(published, "Y-m-d")}">'
            f"{date_filter(published, 'j M Y')}</time>"
        )
    else:
        when = '<span class="muted">undated</span>'
    outlet = report["document__publisher"] or document_name(
        report["document_id"], report["document__title"], report["document__lead"]
    )
    if report["speaker_person_id"]:
        url = _url("statements:person-detail", report["speaker_person__slug"])
        speaker = f'<a href="{url}">{escape(report["speaker_person__name"])}</a>'
    elif report["speaker_organisation_id"]:
        url = _url("statements:organisation-detail", report["speaker_organisation__slug"])
        speaker = f'<a href="{url}">{escape(report["speaker_organisation__name"])}</a>'
    else:
        speaker = f"<i>{escape(report['speaker_text'] or 'unknown')}</i>"
    document_url = _url("statements:document-detail", report["document_id"])
    statement_url = _url("statements:statement-detail", report["id"])
    content = escape(truncatechars(report["content"], 160))
    return (
        f'<tr>\n        <td data-label="Published">{when}</td>\n'
        f'        <td data-label="Outlet"><a href="{document_url}">{escape(outlet)}</a></td>\n'
        f'        <td data-label="Attributed to">{speaker}</td>\n'
        f'        <td data-label="As printed"><a href="{statement_url}">\u201c{content}\u201d</a>'
        f"</td>\n      </tr>"
    )


@register.simple_tag
def quote_report_rows(reports: Iterable[dict]) -> SafeString:
    """The ``<tr>`` rows of a quote's reports, rendered in Python like ``statement_items``:
    a template loop resolved some 20 variables and reversed three addresses per report."""
    return SafeString("".join(_quote_report_row(report) for report in reports))
