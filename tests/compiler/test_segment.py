"""Segmentation keeps the structure a reviewer needs: headings, paragraphs, list items, lines."""

from __future__ import annotations

from pathlib import Path

from privet.policy.draft.segment import read_policy, sentences


def test_markdown_headings_items_and_trail(tmp_path: Path) -> None:
    path = tmp_path / "p.md"
    path.write_text(
        "# Acme Privacy Policy\n\n## Sharing\n\nWe share your information with [vendors](https://x.test) who help us.\n\n"
        "- We may disclose information to comply with a subpoena or court order.\n- Other items that are long enough to count as list items.\n"
    )
    doc = read_policy(path)
    kinds = [(s.kind, s.text[:20]) for s in doc.segments]
    assert kinds[0] == ("heading", "Acme Privacy Policy")
    paragraph = next(s for s in doc.segments if s.kind == "paragraph")
    assert paragraph.text == "We share your information with vendors who help us."
    assert paragraph.headings[-1] == "Sharing"
    assert paragraph.line == 5
    items = [s for s in doc.segments if s.kind == "item"]
    assert len(items) == 2 and items[0].text.startswith("We may disclose")


def test_plain_text_numbered_headings(tmp_path: Path) -> None:
    path = tmp_path / "p.txt"
    path.write_text("Privacy Policy\n\n1. Information We Collect\n\nWe collect your name and email address when you sign up.\n")
    doc = read_policy(path)
    assert [s.kind for s in doc.segments] == ["heading", "heading", "paragraph"]
    assert doc.segments[2].context.startswith("1. Information We Collect. We collect")


def test_html_lists_and_headings(tmp_path: Path) -> None:
    path = tmp_path / "p.html"
    path.write_text(
        "<h2>Your choices</h2><ul><li>You may opt out of marketing email by clicking unsubscribe.</li></ul><p>Call us at 800-555-0100.</p>"
    )
    doc = read_policy(path)
    assert [s.kind for s in doc.segments] == ["heading", "item", "paragraph"]
    assert doc.segments[1].headings == ("Your choices",)


def test_sentences_respect_abbreviations() -> None:
    text = "We share data with vendors, e.g. billing firms. We follow U.S. law. Call Acme Inc. today! Is that all? Yes."
    assert sentences(text) == [
        "We share data with vendors, e.g. billing firms.",
        "We follow U.S. law.",
        "Call Acme Inc. today!",
        "Is that all?",
        "Yes.",
    ]
