"""`privet policy render`: the notice generated from a pack tells a reader everything the pack promises."""

from __future__ import annotations

import copy
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from privet.cli import app
from privet.policy.load import load_pack_or_raise
from privet.policy.model import Basis, PolicyPack
from privet.policy.render import render
from tests.conftest import POLICIES, SEED_PACKS

PACKS = [*SEED_PACKS, POLICIES / "template"]


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("path", PACKS, ids=lambda p: p.name)
def test_notice_states_every_choice_right_recipient_and_contact(path: Path) -> None:
    pack = load_pack_or_raise(path)
    notice = _flat(render(pack, "md"))
    for choice in pack.choices:
        assert choice.name in notice and _flat(choice.description) in notice
    for right in pack.rights:
        assert _flat(right.description) in notice
    for rule in pack.rules:
        recipient = pack.recipient(rule.recipient)
        assert recipient is not None and recipient.name in notice
        if rule.description:
            assert _flat(rule.description) in notice
    for ret in pack.retention:
        if ret.description:
            assert _flat(ret.description) in notice
    for col in pack.collection:
        assert _flat(col.description) in notice
    contact = pack.provider.privacy_contact
    assert any(x and x in notice for x in (contact.email, contact.phone, *contact.address))
    if pack.programs.acceptable_use:
        for item in pack.programs.acceptable_use.prohibited:
            assert _flat(item.description) in notice
    if pack.programs.copyright:
        for element in pack.programs.copyright.notice_elements:
            assert _flat(element) in notice


@pytest.mark.parametrize("path", PACKS, ids=lambda p: p.name)
def test_closed_world_prohibitions_are_spelled_out(path: Path) -> None:
    pack = load_pack_or_raise(path)
    notice = render(pack, "md")
    nevers = [r for r in pack.rules if r.basis is Basis.NEVER]
    assert notice.count("- We never use or disclose") == len(nevers)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_notice_is_a_page_with_headings_and_a_table(template_pack: Path) -> None:
    html = render(load_pack_or_raise(template_pack), "html")
    parser = _Collector()
    parser.feed(html)
    assert html.startswith("<!doctype html>")
    assert {"h1", "h2", "table", "ul", "main"} <= set(parser.tags)
    assert 'lang="en"' in html and "viewport" in html


def test_pack_text_cannot_inject_markup(template_pack: Path) -> None:
    pack = load_pack_or_raise(template_pack)
    data = pack.model_dump(mode="json")
    data = copy.deepcopy(data)
    data["choices"][0]["description"] = "<script>alert(1)</script> Choose <b>now</b>"
    hostile = PolicyPack.model_validate(data)
    html = render(hostile, "html")
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_render_command_writes_both_formats(tmp_path: Path, template_pack: Path) -> None:
    runner = CliRunner()
    md = runner.invoke(app, ["policy", "render", str(template_pack)])
    assert md.exit_code == 0 and md.output.startswith("# Example Telco privacy notice")
    out = tmp_path / "notice.html"
    html = runner.invoke(app, ["policy", "render", str(template_pack), "--format", "html", "--out", str(out)])
    assert html.exit_code == 0 and out.read_text().startswith("<!doctype html>")


def test_render_refuses_an_invalid_pack(tmp_path: Path) -> None:
    bad = tmp_path / "pack.yaml"
    bad.write_text("pack: {id: x}\n")
    result = CliRunner().invoke(app, ["policy", "render", str(bad)])
    assert result.exit_code == 2
    assert "not a usable pack" in result.output
