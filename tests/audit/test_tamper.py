"""Tampering with any audit row makes verify fail and name the row, through the API and the CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import Engine, delete, insert, update
from typer.testing import CliRunner

from privet.audit.cli import app
from privet.audit.encoding import entry_hash
from privet.audit.verify import verify_chain
from tests.audit.conftest import CHECKPOINTS, HEAD, cli_url, delete_entries, rehash_from, row, set_entry, set_head, swap_contents

runner = CliRunner()


def _delete_head(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(delete(HEAD))


def _set_checkpoint(engine: Engine, last_seq: int, **values: object) -> None:
    with engine.begin() as conn:
        conn.execute(update(CHECKPOINTS).where(CHECKPOINTS.c.last_seq == last_seq).values(**values))


def _delete_checkpoint(engine: Engine, last_seq: int) -> None:
    with engine.begin() as conn:
        conn.execute(delete(CHECKPOINTS).where(CHECKPOINTS.c.last_seq == last_seq))


def _renumber_after_removing(engine: Engine, removed: int) -> None:
    delete_entries(engine, removed, removed)
    for seq in range(removed + 1, 16):
        set_entry(engine, seq, seq=seq - 1)


def _truncate_and_fix_head(engine: Engine) -> None:
    delete_entries(engine, 10, 15)
    set_head(engine, seq=9, hash=row(engine, 9)["hash"])


def _forge_beyond_head(engine: Engine) -> None:
    last = row(engine, 15)
    at = last["at"] + timedelta(seconds=1)
    digest = entry_hash(16, at, "intruder", "x", None, "{}", last["hash"])
    with engine.begin() as conn:
        conn.execute(
            insert(CHECKPOINTS.metadata.tables["audit_entries"]).values(
                seq=16, at=at, actor="intruder", action="x", subject=None, data="{}", prev_hash=last["hash"], hash=digest
            )
        )


def _rewrite_first(engine: Engine) -> None:
    """Entry 1 rehashed over a made-up predecessor, and everything after relinked to it."""
    r = row(engine, 1)
    forged_prev = "f" * 64
    set_entry(
        engine,
        1,
        prev_hash=forged_prev,
        hash=entry_hash(1, r["at"], r["actor"], r["action"], r["subject"], r["data"], forged_prev),
    )
    rehash_from(engine, 2)


def _alter_and_rehash_one(engine: Engine) -> None:
    set_entry(engine, 6, data="{}")
    rehash_from(engine, 6, 6)


def _alter_and_rehash_all(engine: Engine) -> None:
    """Entry 6 altered and the whole chain after it recomputed, head included: only checkpoint 5..8 can tell."""
    set_entry(engine, 6, data="{}")
    rehash_from(engine, 6)


Tamper = Callable[[Engine], None]

CASES: dict[str, tuple[Tamper, str, int]] = {
    "data altered": (lambda e: set_entry(e, 6, data='{"choice":"marketing.email","n":6,"value":false}'), "altered", 6),
    "actor altered": (lambda e: set_entry(e, 10, actor="care:mallory"), "altered", 10),
    "action altered": (lambda e: set_entry(e, 3, action="consent.withdrawn"), "altered", 3),
    "subject altered": (lambda e: set_entry(e, 13, subject="person:99"), "altered", 13),
    "subject erased": (lambda e: set_entry(e, 2, subject=None), "altered", 2),
    "time altered": (lambda e: set_entry(e, 7, at=row(e, 7)["at"] - timedelta(days=1)), "altered", 7),
    "hash altered": (lambda e: set_entry(e, 9, hash="0" * 64), "altered", 9),
    "prev_hash altered": (lambda e: set_entry(e, 14, prev_hash="a" * 64), "altered", 14),
    "data altered and rehashed": (_alter_and_rehash_one, "altered", 6),
    "first entry rewritten": (_rewrite_first, "altered", 1),
    "chain rewritten from 6": (_alter_and_rehash_all, "checkpoint", 8),
    "middle row deleted": (lambda e: delete_entries(e, 6, 6), "removed", 6),
    "two rows deleted": (lambda e: delete_entries(e, 6, 7), "removed", 6),
    "row deleted, rest renumbered": (lambda e: _renumber_after_removing(e, 5), "removed", 5),
    "last row deleted": (lambda e: delete_entries(e, 15, 15), "removed", 15),
    "tail truncated": (lambda e: delete_entries(e, 13, 15), "removed", 13),
    "tail truncated, head moved back": (_truncate_and_fix_head, "removed", 10),
    "neighbours swapped": (lambda e: swap_contents(e, 5, 6), "reordered", 5),
    "distant rows swapped": (lambda e: swap_contents(e, 2, 13), "reordered", 2),
    "checkpoint root altered": (lambda e: _set_checkpoint(e, 8, merkle_root="b" * 64), "checkpoint", 8),
    "checkpoint last hash altered": (lambda e: _set_checkpoint(e, 12, last_hash="c" * 64), "checkpoint", 12),
    "checkpoint span altered": (lambda e: _set_checkpoint(e, 8, first_seq=6), "checkpoint", 8),
    "checkpoint deleted": (lambda e: _delete_checkpoint(e, 4), "checkpoint", 4),
    "head hash altered": (lambda e: set_head(e, hash="d" * 64), "head", 15),
    "head moved back": (lambda e: set_head(e, seq=12, hash=row(e, 12)["hash"]), "head", 13),
    "head deleted": (_delete_head, "head", 15),
    "entry forged beyond the head": (_forge_beyond_head, "head", 16),
}


def test_intact_chain_verifies(chain: Engine) -> None:
    result = verify_chain(chain, batch_size=4)
    assert result.ok and (result.entries, result.checkpoints, result.head_seq) == (15, 3, 15)
    out = runner.invoke(app, ["verify", "--db", cli_url(chain)])
    assert out.exit_code == 0, out.output
    assert "intact: 15 entries, 3 checkpoints" in out.output


@pytest.mark.parametrize("case", list(CASES))
def test_tampering_is_named(chain: Engine, case: str) -> None:
    tamper, kind, seq = CASES[case]
    tamper(chain)
    for batch_size in (4, 1000):  # page boundaries inside and outside the tampered region
        problem = verify_chain(chain, batch_size=batch_size).problem
        assert problem is not None, case
        assert (problem.kind, problem.seq) == (kind, seq), problem.message

    out = runner.invoke(app, ["verify", "--db", cli_url(chain)])
    assert out.exit_code == 1, out.output
    assert f"TAMPERED at entry {seq} ({kind})" in out.output

    out = runner.invoke(app, ["verify", "--db", cli_url(chain), "--json"])
    report = json.loads(out.output)
    assert out.exit_code == 1 and report["ok"] is False
    assert (report["problem"]["kind"], report["problem"]["seq"]) == (kind, seq)
