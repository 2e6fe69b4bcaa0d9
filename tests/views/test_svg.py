"""Server-side charts: real time axes, escaped names, links to actor pages."""

from __future__ import annotations

import datetime as dt

from statements.svg import (
    GraphEdge,
    GraphNode,
    talk_graph_svg,
    timeline_buckets,
    timeline_svg,
)
from tests.views.test_pages import assert_well_formed


def test_timeline_groups_by_month_and_keeps_empty_months():
    rows = [(dt.date(2024, 1, 5), "demand", 2), (dt.date(2024, 4, 1), "criticism", 1)]
    buckets = timeline_buckets(rows)
    assert [b.label for b in buckets] == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert [b.total for b in buckets] == [2, 0, 0, 1]
    svg = str(timeline_svg(buckets, title="Statements <by> X"))
    assert svg.count('<rect class="t-demand"') == 1 and 'class="t-criticism"' in svg
    assert "Statements &lt;by&gt; X" in svg
    assert_well_formed(svg)


def test_timeline_uses_days_within_two_months_and_ignores_undated():
    rows = [(dt.date(2024, 5, 10), "demand", 1), (dt.date(2024, 5, 12), "appeal", 1)]
    assert [b.label for b in timeline_buckets([*rows, (None, "demand", 3)])] == [
        "2024-05-10",
        "2024-05-11",
        "2024-05-12",
    ]
    assert timeline_buckets([(None, "demand", 3)]) == []
    assert str(timeline_svg([], title="x")) == ""


def test_talk_graph_links_nodes_and_escapes_names():
    centre = GraphNode("p:a", "A <b>", "/people/a/", "person")
    other = GraphNode("o:t", "Türkiye & co", "/organisations/t/", "organisation")
    svg = str(talk_graph_svg(centre, [other], [GraphEdge("p:a", "o:t", 3)], title="Who talks"))
    assert '<a href="/organisations/t/">' in svg and '<a href="/people/a/">' in svg
    assert "A &lt;b&gt;" in svg and "Türkiye &amp; co" in svg
    assert "marker-end" in svg
    assert_well_formed(svg)
    assert str(talk_graph_svg(centre, [], [], title="x")) == ""
