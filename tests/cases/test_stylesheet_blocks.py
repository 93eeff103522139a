"""The stylesheet is appended to block by block; one block left open puts every rule after it
inside a media query, where it applies only on narrow screens (the interventions' overdue
badge and the review page's claim columns were, on a desktop, unstyled that way)."""

from __future__ import annotations

from pathlib import Path

STYLESHEET = Path(__file__).resolve().parents[2] / "static" / "css" / "casebook.css"


def test_every_block_of_the_stylesheet_is_closed_where_it_ends():
    depth = 0
    for number, line in enumerate(STYLESHEET.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("/* ---"):
            # A section comment starts at the top level, never inside a rule or a media query.
            assert depth == 0, f"line {number} starts a section inside an open block"
        depth += line.count("{") - line.count("}")
        assert depth >= 0, f"line {number} closes a block that was not open"
    assert depth == 0
