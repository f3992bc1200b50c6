"""Verifying the audit chain: walk it in seq order and name the first entry that is not as written.

The walk reads the entries as consecutive ranges of seq, one short transaction each, so it runs
in constant memory on a chain of any length and never holds SQLite's write lock for long.
It recomputes every entry hash, checks every prev link and the continuity of seq, folds each
segment into a Merkle root to compare with its checkpoint, and finally compares the last entry
with the head row. The head is read first: entries appended while the walk runs lie beyond it
and are left for the next run.

A chain alone cannot catch someone who rewrites it from some point on and recomputes every
later hash and the head; the checkpoints catch that for sealed segments, and publishing their
roots outside the database (`privet audit checkpoints`), or signed anchors of the head (`privet audit
anchor`, checked by `verify --anchors`), catches it for good.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any, Literal, cast

from sqlalchemy import Engine, Row, Table, func, select

from privet.audit.encoding import GENESIS_HASH, entry_hash
from privet.audit.merkle import MerkleAccumulator
from privet.audit.tables import AuditCheckpoint, AuditEntry, AuditHead

Kind = Literal["altered", "removed", "reordered", "checkpoint", "head"]

DEFAULT_BATCH = 5000
PROBE = 64
"""How far from its place a moved entry is looked for by recomputing its hash at nearby seqs."""

_entries: Table = cast(Table, AuditEntry.__table__)
_checkpoints: Table = cast(Table, AuditCheckpoint.__table__)
_heads: Table = cast(Table, AuditHead.__table__)
_ENTRY_COLUMNS = [_entries.c[name] for name in ("seq", "at", "actor", "action", "subject", "data", "prev_hash", "hash")]


@dataclass(frozen=True)
class Problem:
    """The first thing found wrong: what kind, at which seq, in words."""

    kind: Kind
    seq: int
    message: str
    checkpoint_id: int | None = None


@dataclass(frozen=True)
class VerifyResult:
    entries: int
    checkpoints: int
    head_seq: int
    head_hash: str
    problem: Problem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, **asdict(self)}


def verify_chain(engine: Engine, *, batch_size: int = DEFAULT_BATCH) -> VerifyResult:
    """Verify the whole chain up to the head as it stands now; see the module docstring."""
    with engine.connect() as conn:
        head = conn.execute(select(_heads.c.seq, _heads.c.hash).where(_heads.c.id == 1)).one_or_none()
    head_seq, head_hash = (int(head.seq), str(head.hash)) if head else (0, GENESIS_HASH)
    walk = _Walk(engine, batch_size)
    problem = walk.run(head_seq) or _check_head(engine, walk, head is not None, head_seq, head_hash)
    return VerifyResult(walk.expected - 1, walk.checkpoints_checked, head_seq, head_hash, problem)


class _Walk:
    """The state of one pass over the chain: what the next entry must be, and the open segment."""

    def __init__(self, engine: Engine, batch_size: int) -> None:
        self.engine = engine
        self.batch_size = batch_size
        self.expected = 1
        self.prev_hash = GENESIS_HASH
        self.segment_start = 1
        self.merkle = MerkleAccumulator()
        self.checkpoints_checked = 0
        self._checkpoints = _checkpoint_pages(engine)
        self._next_checkpoint = next(self._checkpoints, None)

    def run(self, head_seq: int) -> Problem | None:
        with self.engine.connect() as conn:
            first = conn.execute(select(func.min(_entries.c.seq))).scalar()
        if first is not None and first < 1:
            return Problem("altered", int(first), f"entry {first} lies outside the chain, which starts at seq 1")
        for row in _entry_range(self.engine, _ENTRY_COLUMNS, 0, head_seq, self.batch_size):
            problem = self._step(row)
            if problem:
                return problem
        return None

    def _step(self, row: Row[Any]) -> Problem | None:
        seq, at, actor, action, subject, data, prev_hash, digest = cast(tuple[Any, ...], row)
        if seq != self.expected:  # ranges are read in order, so only a gap can get here
            return _removed(self.expected, seq - 1, f"the chain jumps from seq {self.expected - 1} to {seq}")
        if entry_hash(seq, at, actor, action, subject, data, prev_hash) != digest:
            return _diagnose(self.engine, row)
        if prev_hash != self.prev_hash:
            if seq == 1:
                return Problem("altered", 1, "entry 1 does not start from the genesis hash: it was rewritten")
            return Problem(
                "altered",
                seq - 1,
                f"entry {seq - 1} was rewritten and rehashed: entry {seq} still links to its original hash {prev_hash[:12]}…",
            )
        self.prev_hash = digest
        self.expected = seq + 1
        self.merkle.add(digest)
        if self._next_checkpoint is None or self._next_checkpoint.last_seq > seq:
            return None
        return self._check_checkpoint(seq, digest)

    def _check_checkpoint(self, seq: int, digest: str) -> Problem | None:
        cp = self._next_checkpoint
        if cp is None or cp.last_seq > seq:
            return None
        if cp.last_seq < seq:  # only seqs outside the chain sort before the entry just walked
            return Problem(
                "checkpoint", int(cp.last_seq), f"checkpoint #{cp.id} ends at seq {cp.last_seq}, outside the chain", cp.id
            )
        if cp.last_hash != digest:
            why = f"checkpoint #{cp.id} records last hash {cp.last_hash[:12]}… but entry {seq} has {digest[:12]}…"
            return Problem("checkpoint", seq, why, cp.id)
        if cp.first_seq != self.segment_start or cp.merkle_root != self.merkle.root():
            return self._checkpoint_mismatch(cp, seq)
        self.checkpoints_checked += 1
        self.segment_start = seq + 1
        self.merkle = MerkleAccumulator()
        self._next_checkpoint = next(self._checkpoints, None)
        return None

    def _checkpoint_mismatch(self, cp: Row[Any], seq: int) -> Problem:
        """Tell a checkpoint that was altered from an intact one whose predecessor was removed."""
        start = self.segment_start
        if start < cp.first_seq <= seq:
            stored = MerkleAccumulator()
            for entry in _entry_range(self.engine, [_entries.c.hash], cp.first_seq - 1, seq, self.batch_size):
                stored.add(entry.hash)
            if stored.root() == cp.merkle_root:
                return Problem(
                    "checkpoint", cp.first_seq - 1, f"the checkpoint sealing entries {start}..{cp.first_seq - 1} was removed"
                )
        if cp.first_seq != start:
            why = f"checkpoint #{cp.id} claims to start at seq {cp.first_seq}, but its segment starts at {start}"
            return Problem("checkpoint", seq, why, cp.id)
        return Problem("checkpoint", seq, f"checkpoint #{cp.id}: Merkle root does not match entries {start}..{seq}", cp.id)


def _checkpoint_pages(engine: Engine, size: int = 1000) -> Iterator[Row[Any]]:
    """Every checkpoint in last_seq order, a page per short transaction."""
    after: int | None = None
    while True:
        query = select(_checkpoints).order_by(_checkpoints.c.last_seq).limit(size)
        if after is not None:
            query = query.where(_checkpoints.c.last_seq > after)
        with engine.connect() as conn:
            rows = conn.execute(query).all()
        yield from rows
        if len(rows) < size:
            return
        after = int(rows[-1].last_seq)


def _entry_range(engine: Engine, columns: list[Any], after: int, upto: int, size: int) -> Iterator[Row[Any]]:
    """Entries with after < seq <= upto in seq order, read `size` seqs per short transaction.

    Pages are ranges of seq rather than LIMIT queries: a narrow range is read through the primary
    key whatever the planner's statistics say (right after a bulk load PostgreSQL has none, and a
    LIMIT over the whole remaining range then sorts it for every page).
    """
    seq = _entries.c.seq
    while after < upto:
        last = min(after + size, upto)
        with engine.connect() as conn:
            rows = conn.execute(select(*columns).where(seq > after, seq <= last).order_by(seq)).all()
        yield from rows
        after = last


def _removed(first: int, last: int, why: str) -> Problem:
    what = f"entry {first} is missing" if first == last else f"entries {first}..{last} are missing"
    return Problem("removed", first, f"{what}: {why}")


def _diagnose(engine: Engine, row: Row[Any]) -> Problem:
    """Tell an entry that was changed from one that was moved (or renumbered after a removal).

    Its stored hash still matches its content at the seq it was written with: find that seq,
    first through its predecessor (wherever that now lies), then by trying nearby seqs.
    """
    seq = row.seq

    def written_at(candidate: int) -> bool:
        return (
            candidate >= 1
            and entry_hash(candidate, row.at, row.actor, row.action, row.subject, row.data, row.prev_hash) == row.hash
        )

    with engine.connect() as conn:
        pred = (
            None
            if row.prev_hash == GENESIS_HASH
            else conn.execute(select(func.min(_entries.c.seq)).where(_entries.c.hash == row.prev_hash)).scalar()
        )
    origin = 1 if row.prev_hash == GENESIS_HASH else (pred + 1 if pred is not None else None)
    if origin is None or origin == seq or not written_at(origin):
        nearby = (seq + sign * step for step in range(1, PROBE + 1) for sign in (1, -1))
        origin = next((candidate for candidate in nearby if written_at(candidate)), None)
    if origin is None:
        return Problem("altered", seq, f"entry {seq} was altered: its content no longer matches its hash")
    if origin > seq and pred is None and row.prev_hash != GENESIS_HASH:
        return _removed(seq, origin - 1, f"the entry now at seq {seq} was written as seq {origin} and renumbered")
    return Problem("reordered", seq, f"entry {seq} holds the entry written as seq {origin}: entries were moved")


def _check_head(engine: Engine, walk: _Walk, has_head: bool, head_seq: int, head_hash: str) -> Problem | None:
    """After the walk: the last entry must be the head, and nothing may lie beyond the head.

    The maximum seq and the last checkpoint are read before the head again, so appends that
    commit meanwhile can only move the head forward and never look like tampering.
    """
    last = walk.expected - 1
    if last < head_seq:
        return _removed(last + 1, head_seq, f"the chain ends at seq {last} but the head records seq {head_seq} (tail truncated)")
    if walk.prev_hash != head_hash:
        return Problem(
            "head", head_seq, f"entry {head_seq} has hash {walk.prev_hash[:12]}… but the head records {head_hash[:12]}…"
        )
    with engine.connect() as conn:
        max_seq = conn.execute(select(func.max(_entries.c.seq))).scalar()
        sealed = conn.execute(select(_checkpoints).order_by(_checkpoints.c.last_seq.desc()).limit(1)).one_or_none()
        now = conn.execute(select(_heads.c.seq).where(_heads.c.id == 1)).scalar()
    now_seq = int(now) if now is not None else 0
    if now_seq < head_seq:
        return Problem("head", now_seq, f"the head moved back from seq {head_seq} to {now_seq} during verification")
    if max_seq is not None and max_seq > now_seq:
        if now is None:
            return Problem("head", int(max_seq), f"the head row is missing while entries 1..{max_seq} exist")
        return Problem("head", now_seq + 1, f"entries up to seq {max_seq} lie beyond the head at seq {now_seq}")
    if sealed is not None and sealed.last_seq > now_seq:
        why = f"checkpoint #{sealed.id} sealed entries up to seq {sealed.last_seq}, but the chain ends at seq {now_seq}"
        return _removed(now_seq + 1, int(sealed.last_seq), why)
    return None
