"""Turn a document's text and its stored spans into safe, well-formed HTML.

Statements, speakers, cues and mentions are character spans into ``Document.text``
and may overlap in any way (a mention inside a quote, a quote crossing a mention, two
statements sharing words). HTML elements must nest, so the renderer keeps a stack of
open elements and, when an outer element has to close while inner ones are still open,
closes the inner ones and reopens them as continuation pieces. Every piece of text goes
through ``html.escape`` and every attribute value through ``conditional_escape``
(``_attributes`` writes what Django's ``flatatt`` writes, without ``format_html``'s
per-call machinery: a document page opens a few hundred tags). Only the first piece of a
span carries its ``id``, ``tabindex`` and screen-reader prefix, so anchors stay unique.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n|\n")


@dataclass(eq=False)
class Span:
    """One element to draw over ``[start, end)`` of the text.

    ``order`` breaks ties between spans with the same extent: lower is drawn outside.
    ``prefix`` is plain text shown only to screen readers at the first piece; ``after``
    is markup placed right after the span ends (outside any link), e.g. a reference link.
    """

    start: int
    end: int
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    order: int = 0
    prefix: str = ""
    after: SafeString | str = ""
    key: str = ""

    @property
    def continuation_attrs(self) -> dict[str, str]:
        """Attributes of the second and later pieces: same look, no anchor, no focus stop."""
        keep = {"class", "title", "data-label", "href", "lang"}
        attrs = {k: v for k, v in self.attrs.items() if k in keep or k.startswith("data-")}
        attrs["class"] = (attrs.get("class", "") + " cont").strip()
        if self.tag == "a":
            # A continuation of a link is the same link: keep it out of the tab order.
            attrs["tabindex"] = "-1"
        return attrs


@dataclass
class RenderState:
    """What survives between paragraphs: which spans already drew their first piece."""

    started: set[int] = field(default_factory=set)


def _attributes(attrs: dict[str, object]) -> str:
    """What ``django.forms.utils.flatatt`` writes: ``key="value"`` pairs in key order, then
    the names of true boolean attributes; false ones and ``None`` are left out."""
    pairs = sorted(
        (key, value)
        for key, value in attrs.items()
        if value is not None and not isinstance(value, bool)
    )
    flags = sorted(key for key, value in attrs.items() if value is True)
    return "".join(
        f' {conditional_escape(key)}="{conditional_escape(value)}"' for key, value in pairs
    ) + "".join(f" {conditional_escape(key)}" for key in flags)


def _open_tag(span: Span, state: RenderState) -> str:
    first = id(span) not in state.started
    state.started.add(id(span))
    attrs = span.attrs if first else span.continuation_attrs
    tag = f"<{conditional_escape(span.tag)}{_attributes(attrs)}>"
    if first and span.prefix:
        tag += f'<span class="vh">{conditional_escape(span.prefix)}</span>'
    return tag


def _drop_nested_links(spans: list[Span]) -> list[Span]:
    """Links cannot contain links: keep the first of any overlapping ``<a>`` spans."""
    kept: list[Span] = []
    last_link_end = -1
    for span in sorted(spans, key=lambda s: (s.start, -s.end, s.order)):
        if span.tag == "a":
            if span.start < last_link_end:
                continue
            last_link_end = span.end
        kept.append(span)
    return kept


def spans_render(
    text: str, spans: Iterable[Span], *, base: int = 0, state: RenderState | None = None
) -> SafeString:
    """Render ``text`` (which starts at offset ``base`` of the document) with ``spans``."""
    state = state or RenderState()
    limit = base + len(text)
    clipped = [s for s in spans if s.start < limit and s.end > base and s.start < s.end]
    clipped = _drop_nested_links(clipped)
    bounds = {base, limit}
    starts: dict[int, list[Span]] = {}
    for span in clipped:
        start, end = max(span.start, base), min(span.end, limit)
        bounds.update((start, end))
        starts.setdefault(start, []).append(span)
    for group in starts.values():
        group.sort(key=lambda s: (-min(s.end, limit), s.order))

    out: list[str] = []
    stack: list[Span] = []
    pending_after: list[SafeString | str] = []
    pos = base
    for bound in sorted(bounds):
        if bound > pos:
            out.append(html.escape(text[pos - base : bound - base]))
            pos = bound
        if any(min(s.end, limit) == bound for s in stack):
            reopen: list[Span] = []
            while any(min(s.end, limit) == bound for s in stack):
                span = stack.pop()
                out.append(f"</{conditional_escape(span.tag)}>")
                if min(span.end, limit) != bound:
                    reopen.append(span)
                elif span.after and span.end <= limit:
                    pending_after.append(span.after)
            if pending_after and not any(s.tag == "a" for s in stack):
                out.extend(pending_after)
                pending_after.clear()
            for span in reversed(reopen):
                out.append(_open_tag(span, state))
                stack.append(span)
        elif pending_after and not any(s.tag == "a" for s in stack):
            out.extend(pending_after)
            pending_after.clear()
        for span in starts.get(bound, []):
            if bound == limit:
                continue
            out.append(_open_tag(span, state))
            stack.append(span)
    while stack:
        out.append(f"</{conditional_escape(stack.pop().tag)}>")
    out.extend(pending_after)
    return mark_safe("".join(str(piece) for piece in out))  # every piece escaped above


def paragraphs_split(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each non-empty paragraph: news text puts one per line."""
    bounds: list[tuple[int, int]] = []
    pos = 0
    for match in _PARAGRAPH_BREAK.finditer(text):
        if match.start() > pos:
            bounds.append((pos, match.start()))
        pos = match.end()
    if pos < len(text):
        bounds.append((pos, len(text)))
    return [(s, e) for s, e in bounds if text[s:e].strip()]


def document_render(text: str, spans: Sequence[Span]) -> SafeString:
    """The whole text as ``<p>`` paragraphs with ``spans`` drawn across them."""
    state = RenderState()
    parts = [
        f"<p>{spans_render(text[s:e], spans, base=s, state=state)}</p>"
        for s, e in paragraphs_split(text)
    ]
    return mark_safe("".join(parts))  # spans_render escapes every piece


def statement_fragments(statement) -> list[tuple[int, int]]:
    """The character ranges of what a statement said (several for a split quotation).

    ``content_spans`` is JSON an editor may have changed: only well-formed pairs count, and
    without any the whole ``content_start``-``content_end`` range is the statement.
    """
    fragments = [
        (span[0], span[1])
        for span in (statement.content_spans or [])
        if isinstance(span, list | tuple)
        and len(span) == 2
        and all(isinstance(offset, int) for offset in span)
        and span[0] < span[1]
    ]
    return fragments or [(statement.content_start, statement.content_end)]


def paragraph_around(text: str, offset: int) -> tuple[int, int]:
    """The paragraph holding ``offset`` (the whole text if it has no line breaks)."""
    for start, end in paragraphs_split(text):
        if start <= offset < end:
            return start, end
    return 0, len(text)
