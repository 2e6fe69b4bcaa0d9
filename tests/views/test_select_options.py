"""The pickers' <option> lists: escaped, the chosen value marked, nothing else changed."""

from __future__ import annotations

from statements.templatetags.kb_tags import select_options

CHOICES = [("ali-guney", "Ali Güney"), ("x", "<script>alert(1)</script>"), ("a&b", "A & B")]


def test_options_are_escaped_and_only_the_chosen_one_is_selected():
    html = select_options(CHOICES, "a&b")
    assert html.count("<option") == 3
    assert html.count(" selected") == 1
    assert '<option value="a&amp;b" selected>A &amp; B</option>' in html
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_no_choice_or_an_unknown_one_selects_nothing():
    assert " selected" not in select_options(CHOICES, "")
    assert " selected" not in select_options(CHOICES, None)
    assert " selected" not in select_options(CHOICES, "nobody")
    assert select_options(CHOICES, "nobody") == select_options(CHOICES, None)
