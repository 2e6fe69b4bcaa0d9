"""Addresses of kb's pages for HTML written in Python (statement lists, actor pages,
charts): one ``reverse`` per view and process instead of one per link."""

from __future__ import annotations

import functools
from html import escape as html_escape

from django.urls import reverse

# A value no slug or id equals, reversed in place of the argument once per view name.
_URL_MARKER = "9876543210123"


@functools.lru_cache(maxsize=16)
def _url_pattern(name: str) -> tuple[str, str]:
    """The address of view ``name`` around its one argument: ``reverse`` for every link of a
    list was a tenth of the list's time, so it runs once per process and view."""
    before, _marker, after = reverse(name, args=[_URL_MARKER]).partition(_URL_MARKER)
    return before, after


def escape_text(value: object) -> str:
    """``django.utils.html.escape`` for the plain strings and numbers of rows: the same
    characters replaced, without the wrapper that lets it take lazy strings (run hundreds
    of times a page, the wrapper cost more than the escaping)."""
    return html_escape(str(value))


def page_url(name: str, argument: object) -> str:
    """``reverse(name, args=[argument])``, escaped for an HTML attribute."""
    before, after = _url_pattern(name)
    return f"{before}{escape_text(argument)}{after}"


def page_link(name: str, argument: object, text: str) -> str:
    """A link to view ``name`` of ``argument`` (a slug or an id) reading ``text``."""
    return f'<a href="{page_url(name, argument)}">{escape_text(text)}</a>'
