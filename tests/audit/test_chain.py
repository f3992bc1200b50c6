"""Appending: entries commit with their unit of work, chain in order, and seal segments."""

from __future__ import annotations

import json
from itertools import pairwise

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from privet.audit.chain import AuditChainError, append_entries
from privet.audit.encoding import GENESIS_HASH, canonical_time, entry_hash
from privet.audit.merkle import merkle_root
from privet.audit.verify import verify_chain
from privet.store.uow import PendingEntry, UnitOfWork
from tests.audit.conftest import CHECKPOINTS, ENTRIES, HEAD, T0, build_chain, ticking_clock


def _entries(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(ENTRIES).order_by(ENTRIES.c.seq))]


def _head(engine: Engine) -> tuple[int, str] | None:
    with engine.connect() as conn:
        row = conn.execute(select(HEAD.c.seq, HEAD.c.hash)).one_or_none()
    return (row.seq, row.hash) if row else None


def test_unit_of_work_appends_a_linked_batch(engine: Engine, factory: sessionmaker[Session]) -> None:
    clock = ticking_clock()
    with UnitOfWork(factory, actor="care:alice", clock=clock) as uow:
        uow.record("consent.changed", "person:12", choice="marketing.email", value=False)
        uow.record("cpni.disclosed", None, to="caller", authenticated=True)
    rows = _entries(engine)
    assert [r["seq"] for r in rows] == [1, 2]
    first, second = rows
    assert first["actor"] == "care:alice" and first["action"] == "consent.changed" and first["subject"] == "person:12"
    assert first["data"] == '{"choice":"marketing.email","value":false}'
    assert canonical_time(first["at"]) == canonical_time(T0.replace(microsecond=1500))  # type: ignore[arg-type]
    assert first["prev_hash"] == GENESIS_HASH and second["prev_hash"] == first["hash"]
    for r in rows:
        assert r["hash"] == entry_hash(r["seq"], r["at"], r["actor"], r["action"], r["subject"], r["data"], r["prev_hash"])  # type: ignore[arg-type]
    assert _head(engine) == (2, second["hash"])


def test_later_units_continue_the_chain(engine: Engine, factory: sessionmaker[Session]) -> None:
    build_chain(factory, 10, per_unit=3)
    rows = _entries(engine)
    assert [r["seq"] for r in rows] == list(range(1, 11))
    assert all(b["prev_hash"] == a["hash"] for a, b in pairwise(rows))
    assert verify_chain(engine).ok


def test_rollback_leaves_no_entry_and_the_head_unchanged(engine: Engine, factory: sessionmaker[Session]) -> None:
    build_chain(factory, 2)
    before = _head(engine)
    with pytest.raises(RuntimeError), UnitOfWork(factory, actor="care:bob") as uow:
        uow.record("consent.changed", "person:1", value=True)
        uow.flush_audit()  # the entries are chained and inserted, but the transaction fails afterwards
        raise RuntimeError("the state change failed")
    assert len(_entries(engine)) == 2
    assert _head(engine) == before
    build_chain(factory, 1)
    assert [r["seq"] for r in _entries(engine)] == [1, 2, 3]
    assert verify_chain(engine).ok


def test_first_rollback_leaves_no_head(engine: Engine, factory: sessionmaker[Session]) -> None:
    with pytest.raises(RuntimeError), UnitOfWork(factory, actor="care:bob") as uow:
        uow.record("consent.changed", "person:1", value=True)
        uow.flush_audit()
        raise RuntimeError("boom")
    assert _entries(engine) == [] and _head(engine) is None
    assert verify_chain(engine).ok


def test_checkpoints_seal_each_completed_segment(chain: Engine) -> None:
    rows = _entries(chain)
    with chain.connect() as conn:
        cps = conn.execute(select(CHECKPOINTS).order_by(CHECKPOINTS.c.last_seq)).all()
    assert [(c.first_seq, c.last_seq) for c in cps] == [(1, 4), (5, 8), (9, 12)]
    for c in cps:
        segment = [r["hash"] for r in rows if c.first_seq <= r["seq"] <= c.last_seq]
        assert c.merkle_root == merkle_root(segment)  # type: ignore[arg-type]
        assert c.last_hash == segment[-1]


def test_segments_stay_contiguous_when_the_size_changes(engine: Engine, factory: sessionmaker[Session]) -> None:
    clock = ticking_clock()
    for size, count in ((4, 6), (3, 7), (5, 9)):
        with factory.begin() as session:
            append_entries(session, [PendingEntry("sys", "x", None, {"i": i}, clock()) for i in range(count)], segment_size=size)
    with engine.connect() as conn:
        spans = [(c.first_seq, c.last_seq) for c in conn.execute(select(CHECKPOINTS).order_by(CHECKPOINTS.c.last_seq))]
    assert spans == [(1, 4), (5, 7), (8, 10), (11, 13), (14, 18)]
    assert verify_chain(engine).ok


def test_a_batch_seals_segments_from_earlier_entries_its_own_and_both(engine: Engine, factory: sessionmaker[Session]) -> None:
    """Segments left unsealed by earlier appends, one straddling the batch and ones inside it all get their roots."""
    clock = ticking_clock()
    for size, count in ((100, 10), (4, 1), (4, 9)):  # 1..10 unsealed; 11 seals 1..4 and 5..8; 12..20 seal 9..12 to 17..20
        with factory.begin() as session:
            append_entries(session, [PendingEntry("sys", "x", None, {"i": i}, clock()) for i in range(count)], segment_size=size)
    rows = _entries(engine)
    with engine.connect() as conn:
        cps = conn.execute(select(CHECKPOINTS).order_by(CHECKPOINTS.c.last_seq)).all()
    assert [(c.first_seq, c.last_seq) for c in cps] == [(1, 4), (5, 8), (9, 12), (13, 16), (17, 20)]
    for c in cps:
        segment = [r["hash"] for r in rows if c.first_seq <= r["seq"] <= c.last_seq]
        assert (c.merkle_root, c.last_hash) == (merkle_root(segment), segment[-1])  # type: ignore[arg-type]
    assert verify_chain(engine).ok


def test_append_returns_the_entries_and_accepts_an_empty_batch(engine: Engine, factory: sessionmaker[Session]) -> None:
    with factory.begin() as session:
        assert len(append_entries(session, [])) == 0
        made = append_entries(session, [PendingEntry("sys", "x", "person:1", {"k": [1, "é"]}, T0)])
    assert [(e.seq, e.data, e.prev_hash) for e in made] == [(1, '{"k":[1,"é"]}', GENESIS_HASH)]
    assert made.last == (1, made[0].hash) and made[0] is made[-1]
    assert json.loads(made[0].data) == {"k": [1, "é"]}
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ENTRIES)).scalar() == 1


def test_no_append_over_a_deleted_head(engine: Engine, factory: sessionmaker[Session]) -> None:
    """Restarting the chain at seq 1 would hide the damage: appends refuse until someone looks."""
    build_chain(factory, 3)
    with engine.begin() as conn:
        conn.execute(HEAD.delete())
    with pytest.raises(AuditChainError, match="head row is missing"):
        build_chain(factory, 1)
    assert len(_entries(engine)) == 3
