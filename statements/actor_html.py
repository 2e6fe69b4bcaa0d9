"""HTML fragments of the person and organisation pages, built from rows in Python.

Why: the pages' templates looped over roles, events, talk lists, quotes, type links and
the timeline's table, resolving a dozen variables and running filters and ``{% url %}``
per row; that rendering, not the database, was most of a page's time. The fragments are
the same markup, written once here from the rows the selectors read
(``selectors/actor_pages.py``); every value is escaped.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable, Sequence

from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import truncatechars
from django.utils.safestring import SafeString

from statements.links import escape_text, page_link, page_url
from statements.svg import TimelineBucket


@functools.lru_cache(maxsize=4096)
def _day(day: datetime.date) -> str:
    """A date as the pages print it ("5 Mar 2024")."""
    return date_filter(day, "j M Y")


def _dates(start: str, end: str) -> str:
    """A role's partial dates ("2019-03 – ", "? – 2021") or "unknown"."""
    if start or end:
        return f"{escape_text(start or '?')} – {escape_text(end)}"
    return '<span class="muted">unknown</span>'


def _status_and_dates(role: dict) -> str:
    """A role's status and dates cells."""
    status = escape_text(role["status"])
    dates = _dates(role["start_date"], role["end_date"])
    return (
        f'<td data-label="Status"><span class="status {status}">{status}</span></td>\n'
        f'<td data-label="Dates">{dates}</td>\n'
    )


def aliases_html(aliases: Sequence[str]) -> SafeString:
    if not aliases:
        return SafeString("")
    names = ", ".join(f'<span class="alias">{escape_text(name)}</span>' for name in aliases)
    return SafeString(f'<p class="aliases">Also known as {names}</p>')


def person_roles_html(roles: Sequence[dict], person_name: str) -> SafeString:
    """The person's roles table (``selectors.PERSON_ROLE_COLUMNS`` rows)."""
    if not roles:
        return SafeString('<p class="empty">No role recorded.</p>')
    rows = []
    for role in roles:
        if role["organisation__slug"]:
            organisation = page_link(
                "statements:organisation-detail",
                role["organisation__slug"],
                role["organisation__name"],
            )
        else:
            organisation = '<span class="muted">–</span>'
        source = ""
        if role["document_id"]:
            label = role["document__title"] or role["document__lead"]
            label = label or f"Document {role['document_id']}"
            source = page_link("statements:document-detail", role["document_id"], label)
        rows.append(
            f'<tr>\n<th scope="row">{escape_text(role["role"])}</th>\n'
            f'<td data-label="Organisation">{organisation}</td>\n'
            f"{_status_and_dates(role)}"
            f'<td data-label="Source">{source}</td>\n</tr>'
        )
    caption = f"Roles of {escape_text(person_name)} over time"
    return _roles_table(caption, ("Role", "Organisation", "Status", "Dates", "Source"), rows)


def organisation_roles_html(roles: Sequence[dict], organisation_name: str) -> SafeString:
    """The people holding a role in an organisation (``ORGANISATION_ROLE_COLUMNS`` rows)."""
    rows = []
    for role in roles:
        person = page_link("statements:person-detail", role["person__slug"], role["person__name"])
        rows.append(
            f'<tr>\n<th scope="row">{person}</th>\n'
            f'<td data-label="Role">{escape_text(role["role"])}</td>\n'
            f"{_status_and_dates(role)}</tr>"
        )
    caption = f"People holding a role in {escape_text(organisation_name)}"
    return _roles_table(caption, ("Person", "Role", "Status", "Dates"), rows)


def _roles_table(caption: str, headings: Sequence[str], rows: Sequence[str]) -> SafeString:
    """A compact roles table: ``caption`` (escaped HTML) for screen readers, one column
    per heading, and the ``<tr>`` rows."""
    head = "".join(f'<th scope="col">{heading}</th>' for heading in headings)
    return SafeString(
        '<table class="data compact">\n'
        f'        <caption class="vh">{caption}</caption>\n'
        f"        <thead><tr>{head}</tr></thead>\n"
        f"        <tbody>{''.join(rows)}</tbody>\n      </table>"
    )


def units_html(children: Sequence[dict]) -> SafeString:
    """Links to an organisation's units (``name`` and ``slug`` rows)."""
    if not children:
        return SafeString("")
    links = ", ".join(
        page_link("statements:organisation-detail", unit["slug"], unit["name"]) for unit in children
    )
    return SafeString(f"<p>Units: {links}</p>")


def events_html(events: Sequence[dict], *, more: bool, dated: bool) -> SafeString:
    """An actor's newest events (``selectors.EVENT_ROW_COLUMNS`` rows), with their dates
    when ``dated``; ``more``: there are more than listed."""
    if not events:
        return SafeString('<p class="empty">No event recorded.</p>')
    items = []
    for event in events:
        item = f"<li>{page_link('statements:event-detail', event['id'], event['name'])}"
        if dated:
            when = _day(event["date"]) if event["date"] else escape_text(event["date_text"])
            item += f' <span class="muted">{when}</span>'
        items.append(item + "</li>")
    html = f'<ul class="plain">{"".join(items)}</ul>'
    if more:
        html += f'<p class="muted">The newest {len(events)} events.</p>'
    return SafeString(html)


def talk_lists_html(targets: Iterable, speakers: Iterable) -> SafeString:
    """The "talks about most" and "talked about by" lists (``charts.TalkRow``)."""
    target_items = "".join(
        f'<li><a href="{escape_text(row.node.url)}">{escape_text(row.node.name)}</a> '
        f'<a class="count" href="?target={escape_text(row.node.slug)}#statements" '
        f'aria-label="{row.count} statements about {escape_text(row.node.name)}">'
        f"{row.count}</a></li>"
        for row in targets
    )
    speaker_items = "".join(
        f'<li><a href="{escape_text(row.node.url)}">{escape_text(row.node.name)}</a> '
        f'<span class="count">{row.count}</span></li>'
        for row in speakers
    )
    return SafeString(
        '<section aria-labelledby="targets-h">\n  <h2 id="targets-h">Talks about most</h2>\n  '
        + (
            f'<ol class="rank">{target_items}</ol>'
            if target_items
            else '<p class="empty">No targets recorded.</p>'
        )
        + '\n</section>\n<section aria-labelledby="speakers-h">\n'
        '  <h2 id="speakers-h">Talked about by</h2>\n  '
        + (
            f'<ol class="rank">{speaker_items}</ol>'
            if speaker_items
            else '<p class="empty">Nobody yet.</p>'
        )
        + "\n</section>"
    )


def charts_html(
    timeline_svg: str, legend: str, buckets: Sequence[TimelineBucket], graph_svg: str
) -> SafeString:
    """The "at a glance" section: the timeline with its table (periods are ISO dates
    ``svg.timeline_buckets`` wrote), and the talk graph."""
    if not (timeline_svg or graph_svg):
        return SafeString("")
    figures = []
    if timeline_svg:
        rows = "".join(
            f'<tr><th scope="row">{b.label}</th><td class="num">{b.total}</td></tr>'
            for b in buckets
            if b.total
        )
        figures.append(
            f'<figure class="chart-box">\n      {timeline_svg}\n'
            f"      <figcaption>Statements over time, by type. {legend}</figcaption>\n"
            "      <details><summary>As a table</summary>\n"
            '        <table class="data compact"><caption class="vh">Statements per period'
            "</caption>\n"
            '          <thead><tr><th scope="col">Period</th>'
            '<th scope="col" class="num">Statements</th></tr></thead>\n'
            f"          <tbody>{rows}</tbody>\n        </table>\n      </details>\n    </figure>"
        )
    if graph_svg:
        figures.append(
            f'<figure class="chart-box">\n      {graph_svg}\n'
            "      <figcaption>Who talks about whom: arrows run from speaker to target, thicker "
            "for more statements. Select a name to open its page.</figcaption>\n    </figure>"
        )
    return SafeString(
        '<section class="charts" aria-labelledby="charts-h">\n'
        '  <h2 id="charts-h">At a glance</h2>\n  <div class="chart-grid">\n    '
        + "\n    ".join(figures)
        + "\n  </div>\n</section>"
    )


def type_filter_html(type_rows: Sequence[tuple[str, str, int]], query: str, selected: str):
    """Links filtering an actor's statements by type; ``query`` is the page's query string
    without ``type`` and ``page`` (encoded), ``selected`` the type asked for."""
    if not type_rows:
        return SafeString("")
    prefix = f"?{query}&type=" if query else "?type="
    everything = f"?{query}" if query else "?"
    current = "" if selected else ' aria-current="true"'
    items = [
        f'<li><a href="{escape_text(everything)}#statements"{current} '
        'class="badge all">all</a></li>'
    ]
    for value, label, n in type_rows:
        current = ' aria-current="true"' if value == selected else ""
        items.append(
            f'<li><a href="{escape_text(prefix)}{escape_text(value)}#statements" '
            f'class="badge t-{escape_text(value)}"{current}>{escape_text(label)} '
            f'<span class="n">{n}</span></a></li>'
        )
    return SafeString(
        '<ul class="type-filter" aria-label="Filter by type">\n  ' + "\n  ".join(items) + "\n</ul>"
    )


def _plural(n: int) -> str:
    return "" if n == 1 else "s"


def quote_items_html(quotes: Sequence[dict]) -> SafeString:
    """``<li>`` items of quotes (``shapes.QUOTE_COLUMNS`` rows), as quote_item.html draws
    them."""
    items = []
    for quote in quotes:
        if quote["speaker_person_id"]:
            speaker = page_link(
                "statements:person-detail",
                quote["speaker_person__slug"],
                quote["speaker_person__name"],
            )
        elif quote["speaker_organisation_id"]:
            speaker = page_link(
                "statements:organisation-detail",
                quote["speaker_organisation__slug"],
                quote["speaker_organisation__name"],
            )
        else:
            speaker = '<span class="muted">speaker unknown</span>'
        outlets, documents = quote["outlet_count"], quote["document_count"]
        meta = (
            f"{speaker}\n    · {outlets} outlet{_plural(outlets)}, "
            f"{documents} document{_plural(documents)}\n    "
        )
        if first := quote["first_reported"]:
            meta += f'· first reported <time datetime="{first.isoformat()}">{_day(first)}</time>'
        meta += "\n    "
        if quote["conflicting"]:
            meta += '· <span class="notice-inline">conflicting attributions</span>'
        items.append(
            '<li class="quote-item">\n  <blockquote class="statement-content kind-direct">'
            f'<a href="{page_url("statements:quote-detail", quote["id"])}">'
            f"\u201c{escape_text(truncatechars(quote['text'], 220))}\u201d</a></blockquote>\n"
            f'  <p class="meta">{meta}</p>\n</li>\n'
        )
    return SafeString("".join(items))
