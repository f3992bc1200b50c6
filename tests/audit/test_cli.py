"""`privet audit` commands other than the tampering cases: reading, proofs, bad input."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine
from typer.testing import CliRunner

from privet.audit.cli import app
from privet.audit.proof import ProofError, inclusion_proof
from tests.audit.conftest import cli_url

runner = CliRunner()


def test_tail_shows_recent_entries_oldest_first(chain: Engine) -> None:
    out = runner.invoke(app, ["tail", "--db", cli_url(chain), "-n", "3", "--json"])
    assert out.exit_code == 0, out.output
    entries = json.loads(out.output)
    assert [e["seq"] for e in entries] == [13, 14, 15]
    assert entries[0]["data"]["n"] == 13 and entries[0]["at"].endswith("Z")


def test_tail_and_show_filter_by_subject(chain: Engine) -> None:
    out = runner.invoke(app, ["tail", "--db", cli_url(chain), "--subject", "person:2", "--json"])
    assert [e["seq"] for e in json.loads(out.output)] == [2, 12]
    out = runner.invoke(app, ["show", "--db", cli_url(chain), "--subject", "person:2"])
    assert out.exit_code == 0
    lines = out.output.splitlines()
    assert len(lines) == 2 and "person:2" in lines[0] and "consent.changed" in lines[0]


def test_show_pages_in_order(chain: Engine) -> None:
    out = runner.invoke(app, ["show", "--db", cli_url(chain), "--after", "10", "--limit", "2", "--json"])
    assert [e["seq"] for e in json.loads(out.output)] == [11, 12]


def test_checkpoints_lists_the_roots(chain: Engine) -> None:
    out = runner.invoke(app, ["checkpoints", "--db", cli_url(chain), "--json"])
    assert [(c["first_seq"], c["last_seq"]) for c in json.loads(out.output)] == [(1, 4), (5, 8), (9, 12)]


def test_inclusion_proof_of_a_sealed_entry(chain: Engine) -> None:
    for seq in range(1, 13):
        proof = inclusion_proof(chain, seq)
        assert proof.verify() and proof.size == 4 and len(proof.path) == 2
        assert not proof.verify(trusted_root="0" * 64)
    out = runner.invoke(app, ["proof", "6", "--db", cli_url(chain), "--json"])
    assert out.exit_code == 0 and json.loads(out.output)["valid"] is True


def test_no_proof_for_an_open_segment(chain: Engine) -> None:
    try:
        inclusion_proof(chain, 14)
    except ProofError as exc:
        assert "not sealed" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("expected ProofError")
    out = runner.invoke(app, ["proof", "14", "--db", cli_url(chain)])
    assert out.exit_code == 1


def test_a_missing_sqlite_file_is_bad_input_not_an_empty_chain(tmp_path: Path) -> None:
    out = runner.invoke(app, ["verify", "--db", f"sqlite:///{tmp_path / 'nope.db'}"])
    assert out.exit_code == 2
    assert not (tmp_path / "nope.db").exists()


def test_an_empty_database_verifies(engine: Engine) -> None:
    out = runner.invoke(app, ["verify", "--db", cli_url(engine), "--json"])
    assert out.exit_code == 0
    assert json.loads(out.output)["entries"] == 0
