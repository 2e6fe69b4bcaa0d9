"""Template tags of the HTML site: highlighted documents, type badges, page links."""

from __future__ import annotations

import functools
from collections.abc import Iterable

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from statements.highlight import (
    Span,
    document_render,
    paragraph_around,
    spans_render,
    statement_fragments,
)
from statements.models import Event, Mention, Statement

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
