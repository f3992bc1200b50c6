"""Signed anchors kept outside the database catch the rewrite a chain and its checkpoints cannot."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from privet.audit.anchor import Anchor, check_anchors, key_id, load_private, load_public, make_anchor, new_key, read_anchors
from privet.audit.cli import app
from privet.audit.merkle import merkle_root
from privet.audit.verify import verify_chain
from tests.audit.conftest import (
    CHECKPOINTS,
    ENTRIES,
    T0,
    build_chain,
    cli_url,
    delete_entries,
    rehash_from,
    row,
    set_entry,
    set_head,
)

runner = CliRunner()


def _reseal_checkpoints(engine: Engine) -> None:
    """The last step of a thorough forger: recompute every checkpoint from the rewritten hashes."""
    with engine.begin() as conn:
        for cp in conn.execute(select(CHECKPOINTS)).all():
            hashes = conn.execute(
                select(ENTRIES.c.hash).where(ENTRIES.c.seq.between(cp.first_seq, cp.last_seq)).order_by(ENTRIES.c.seq)
            ).scalars()
            root = merkle_root(list(hashes))
            last = conn.execute(select(ENTRIES.c.hash).where(ENTRIES.c.seq == cp.last_seq)).scalar_one()
            conn.execute(update(CHECKPOINTS).where(CHECKPOINTS.c.id == cp.id).values(merkle_root=root, last_hash=last))


def _rewrite_everything(engine: Engine) -> None:
    set_entry(engine, 6, data='{"choice":"marketing.email","n":6,"value":false}')
    rehash_from(engine, 6)
    _reseal_checkpoints(engine)


def _anchored(engine: Engine) -> tuple[Ed25519PrivateKey, list[tuple[int, Anchor]]]:
    key = Ed25519PrivateKey.generate()
    return key, [(1, make_anchor(engine, key, T0))]


def test_an_anchor_catches_a_rewrite_the_chain_and_its_checkpoints_let_pass(chain: Engine) -> None:
    key, anchors = _anchored(chain)
    assert anchors[0][1].seq == 15 and anchors[0][1].hash == row(chain, 15)["hash"]
    assert check_anchors(chain, anchors, [key.public_key()]) == []
    _rewrite_everything(chain)
    assert verify_chain(chain, batch_size=4).ok  # the rewrite is perfect as far as the database can tell
    problems = check_anchors(chain, anchors, [key.public_key()])
    assert [p.message for p in problems] == [
        "entry 15 differs from the anchor made at 2026-03-01T09:30:00.000000Z: the chain was rewritten",
        "the checkpoint ending at entry 12 differs from the anchor made at 2026-03-01T09:30:00.000000Z",
    ]


def test_an_anchored_entry_removed_with_the_tail_is_named(chain: Engine) -> None:
    key, anchors = _anchored(chain)
    delete_entries(chain, 10, 15)
    set_head(chain, seq=9, hash=row(chain, 9)["hash"])
    problems = check_anchors(chain, anchors, [key.public_key()])
    assert problems[0].seq == 15 and "entry 15, anchored at 2026-03-01T09:30:00.000000Z, is missing" in problems[0].message


def test_an_earlier_anchor_still_holds_after_the_chain_grows(chain: Engine, factory: sessionmaker[Session]) -> None:
    key, anchors = _anchored(chain)
    build_chain(factory, 3)
    assert verify_chain(chain, batch_size=4).ok and check_anchors(chain, anchors, [key.public_key()]) == []


def test_an_altered_forged_or_unreadable_anchor_is_refused(chain: Engine) -> None:
    key, anchors = _anchored(chain)
    genuine = anchors[0][1]
    altered = Anchor({**genuine.statement, "hash": "e" * 64}, genuine.key_id, genuine.signature)
    stranger = Ed25519PrivateKey.generate()
    foreign = make_anchor(chain, stranger, T0)
    problems = check_anchors(chain, [(1, altered), (2, foreign)], [key.public_key()])
    assert [(p.line, p.message) for p in problems] == [
        (1, "the signature does not verify: the anchor was altered or forged"),
        (2, f"signed by key {key_id(stranger.public_key())}, not by {key_id(key.public_key())}"),
    ]
    lines = [
        genuine.line(),
        "",
        "not json",
        '{"statement": {"format": 2, "seq": 1, "hash": "x"}}',
        '{"statement": [["seq", 1]], "key_id": "k", "signature": "s"}',
        genuine.line().replace('"seq": 15', '"seq": 1e400'),
        genuine.line().replace('"seq": 15', '"seq": true'),
        "[]",
    ]
    read, unreadable = read_anchors(lines)
    assert [n for n, _ in read] == [1] and [p.line for p in unreadable] == [3, 4, 5, 6, 7, 8]
    assert check_anchors(chain, [], [key.public_key()])[0].message == "there are no anchors to check against"


def test_anchors_signed_before_a_key_rotation_still_verify(chain: Engine) -> None:
    old_key, anchors = _anchored(chain)
    new_key_ = Ed25519PrivateKey.generate()
    both = [*anchors, (2, make_anchor(chain, new_key_, T0))]
    assert check_anchors(chain, both, [old_key.public_key(), new_key_.public_key()]) == []
    assert [p.line for p in check_anchors(chain, both, [new_key_.public_key()])] == [1]


def test_an_inconsistent_head_is_not_anchored(chain: Engine) -> None:
    set_head(chain, hash="d" * 64)
    with pytest.raises(ValueError, match="not as the head says"):
        make_anchor(chain, Ed25519PrivateKey.generate(), T0)
    delete_entries(chain, 15, 15)
    with pytest.raises(ValueError, match="entry 15, which is missing"):
        make_anchor(chain, Ed25519PrivateKey.generate(), T0)


def test_nothing_to_anchor_in_an_empty_chain(engine: Engine) -> None:
    with pytest.raises(ValueError, match="nothing to anchor"):
        make_anchor(engine, Ed25519PrivateKey.generate(), T0)


def test_keys_are_created_once_private_to_their_owner(tmp_path: Path) -> None:
    private, public = tmp_path / "anchor.key", tmp_path / "anchor.pub"
    kid = new_key(private, public)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert key_id(load_public(public)) == kid == key_id(load_private(private).public_key())
    with pytest.raises(ValueError, match="never overwrites"):
        new_key(private, tmp_path / "other.pub")
    with pytest.raises(ValueError, match="never overwrites"):
        new_key(tmp_path / "other.key", public)
    assert not (tmp_path / "other.key").exists() and not (tmp_path / "other.pub").exists()
    with pytest.raises(ValueError, match="two different files"):
        new_key(tmp_path / "same.pem", tmp_path / "same.pem")
    with pytest.raises(ValueError, match="not a readable"):
        load_public(private)
    public.write_text("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n")
    with pytest.raises(ValueError, match="not a readable PEM public key"):
        load_public(public)


def test_the_command_line_anchors_and_verifies_against_anchors(chain: Engine, tmp_path: Path) -> None:
    db = cli_url(chain)
    private, public, anchors = tmp_path / "anchor.key", tmp_path / "anchor.pub", tmp_path / "anchors.jsonl"
    out = runner.invoke(app, ["anchor-key", "--private", str(private), "--public", str(public)])
    assert out.exit_code == 0 and "mode 0600" in out.output
    again = runner.invoke(app, ["anchor-key", "--private", str(private), "--public", str(public)])
    assert again.exit_code == 2 and "never overwrites" in again.output
    for _ in range(2):
        made = runner.invoke(app, ["anchor", "--key", str(private), "--out", str(anchors), "--db", db])
        assert made.exit_code == 0, made.output
        assert json.loads(made.output)["statement"]["seq"] == 15
    assert len(anchors.read_text().splitlines()) == 2
    check = ["verify", "--db", db, "--anchors", str(anchors), "--public-key", str(public)]
    ok = runner.invoke(app, check)
    assert ok.exit_code == 0 and "2 anchor(s) in" in ok.output and "agree with the chain" in ok.output

    _rewrite_everything(chain)
    assert runner.invoke(app, ["verify", "--db", db]).exit_code == 0
    caught = runner.invoke(app, check)
    assert caught.exit_code == 1 and "audit chain intact" in caught.output
    assert "anchor on line 1 of" in caught.output and "the chain was rewritten" in caught.output
    report = json.loads(runner.invoke(app, [*check, "--json"]).output)
    assert report["ok"] is False and report["anchors"]["checked"] == 2 and len(report["anchors"]["problems"]) == 4

    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    nothing = runner.invoke(app, ["verify", "--db", db, "--anchors", str(empty), "--public-key", str(public)])
    assert nothing.exit_code == 1 and "there are no anchors to check against" in nothing.output
    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    unreadable = runner.invoke(app, ["verify", "--db", db, "--anchors", str(binary), "--public-key", str(public)])
    assert unreadable.exit_code == 2 and "error:" in unreadable.output
    half = runner.invoke(app, ["verify", "--db", db, "--anchors", str(anchors)])
    assert half.exit_code == 2 and "go together" in half.output
    missing = runner.invoke(app, ["anchor", "--key", str(tmp_path / "none.key"), "--out", str(anchors), "--db", db])
    assert missing.exit_code == 2 and "not a readable" in missing.output
