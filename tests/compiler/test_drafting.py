"""Drafting behaviour a user relies on: the draft passes check, negatives become never rules, evidence is kept."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from privet.policy.check import check_pack
from privet.policy.draft.cli import draft
from privet.policy.draft.pipeline import Draft, Models, draft_policy
from privet.policy.draft.report import build_report
from privet.policy.load import load_pack

POLICY = """# Example Telco Privacy Policy

Last updated: March 3, 2025

Example Telco ("we", "us") provides broadband internet access and home phone service.

## Information We Collect

We collect your name, postal address, email address and phone number when you order service.
Our network records the numbers you call, and the time and duration of each call.

## How We Share Information

We share your information with service providers who perform billing and installation on our behalf.
We may disclose information to law enforcement in response to a subpoena or court order.
We do not sell your personal information.
We will not share your information with unaffiliated third parties for their own marketing except with your consent.

## Your Choices

You may opt out of marketing email at any time by clicking the unsubscribe link in any message.
You may ask us to delete your personal information by emailing privacy@example.net.

## Retention

We keep call detail records for eighteen months after the call.

## Children

We do not knowingly collect personal information from children under 13.
"""


@pytest.fixture(scope="module")
def drafted(models: Models, tmp_path_factory: pytest.TempPathFactory) -> Draft:
    path = tmp_path_factory.mktemp("policy") / "example.md"
    path.write_text(POLICY)
    return draft_policy(path, models)


def rules_by_basis(result: Draft, basis: str) -> list[dict[str, Any]]:
    return [r for r in result.pack["rules"] if r["basis"] == basis]


def test_draft_passes_check(drafted: Draft, tmp_path: Path) -> None:
    path = tmp_path / "pack.yaml"
    path.write_text(drafted.yaml_text)
    pack, doc, problems = load_pack(path)
    assert pack is not None and doc is not None, problems
    errors = [p for p in problems + check_pack(pack, doc) if p.severity == "error"]
    assert errors == []


def test_do_not_sell_becomes_a_never_rule(drafted: Draft) -> None:
    nevers = rules_by_basis(drafted, "never")
    assert any(r["purpose"] == "third_party_sharing.sale" for r in nevers)
    assert any(r["purpose"] == "collect" and r.get("when", {}).get("max_age") == 12 for r in nevers)


def test_consent_exception_becomes_an_opt_in_rule(drafted: Draft) -> None:
    opt_in = rules_by_basis(drafted, "only_with_opt_in")
    assert any(r["recipient"] == "third-parties" for r in opt_in)
    choices = {c["id"]: c for c in drafted.pack["choices"]}
    assert all(choices[str(r["choice"])]["kind"] == "opt_in" and choices[str(r["choice"])]["default"] == "denied" for r in opt_in)


def test_every_negative_statement_is_accounted_for(drafted: Draft) -> None:
    outcomes = {n.evidence.sentence: n.outcome for n in drafted.negatives}
    assert outcomes["We do not sell your personal information."] == "never"
    assert (
        outcomes[
            "We will not share your information with unaffiliated third parties for their own marketing except with your consent."
        ]
        == "only_with_opt_in"
    )


def test_report_carries_evidence_and_confidence(drafted: Draft) -> None:
    report = build_report(drafted)
    rules = [e for e in report["elements"] if e["section"] == "rules"]
    assert rules and all(e["evidence"] and 0.0 < e["confidence"] <= 1.0 for e in rules)
    sale = next(e for e in rules if e["proposed"]["purpose"] == "third_party_sharing.sale")
    assert sale["evidence"][0]["sentence"] == "We do not sell your personal information."
    assert sale["evidence"][0]["line"] == 16
    assert isinstance(report["could_not_place"], list)
    json.dumps(report)


def test_attributes_are_mapped(drafted: Draft) -> None:
    pack = drafted.pack
    assert pack["provider"]["name"] == "Example Telco"
    assert pack["pack"]["effective"] == "2025-03-03"
    assert {r["kind"] for r in pack["recipients"]} >= {"first_party", "processor", "government"}
    assert any(r["purpose"] == "essential.legal_obligation.legal_process" and r["basis"] == "required" for r in pack["rules"])
    assert any(c["id"] == "marketing-email" and "email_unsubscribe_link" in c["channels"] for c in pack["choices"])
    assert any(r["kind"] == "delete" for r in pack["rights"])
    assert any(r.get("period") == "18 months" for r in pack["retention"])
    collected = {c for col in pack["collection"] for c in col["categories"]}
    assert {"user.contact.email", "user.telecom.cpni.call_detail"} <= collected


def test_cli_writes_pack_and_reports(models: Models, tmp_path: Path) -> None:
    source = tmp_path / "example.md"
    source.write_text(POLICY)
    app = typer.Typer()
    app.command()(draft)
    result = CliRunner().invoke(app, [str(source), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "drafted pack" in result.output
    assert {p.name for p in (tmp_path / "out").iterdir()} == {"pack.yaml", "review.md", "review.json"}
    review = json.loads((tmp_path / "out" / "review.json").read_text())
    assert review["summary"]["check"]["errors"] == 0
    as_json = CliRunner().invoke(app, [str(source), "--out", str(tmp_path / "out2"), "--json"])
    assert as_json.exit_code == 0
    assert json.loads(as_json.output)["pack_id"] == "example-telco"


def test_html_with_scripts_drafts_from_visible_text_only(models: Models, tmp_path: Path) -> None:
    page = tmp_path / "policy.html"
    page.write_text(
        "<html><head><title>x</title><script>document.write('We sell your personal information to data brokers.')</script></head>"
        "<body><h1>Acme Privacy Policy</h1><h2>Sharing</h2><p>We do not sell your personal information.</p>"
        "<ul><li>We share your email address with service providers who send our newsletters.</li></ul>"
        "<script>track('We rent your phone number to marketers')</script></body></html>"
    )
    result = draft_policy(page, models)
    assert "brokers" not in result.yaml_text and "rent" not in result.yaml_text
    sale = [r for r in result.pack["rules"] if r["purpose"] == "third_party_sharing.sale"]
    assert sale and all(r["basis"] == "never" for r in sale)
    assert any("script" in note for note in result.source.notes)
