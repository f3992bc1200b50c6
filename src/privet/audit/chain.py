"""Appending to the audit chain: one locked head, one batch per transaction, checkpoints per segment.

Each entry's hash covers its seq, its content and the hash of the entry before it, so changing,
removing or moving any entry breaks every link after it. Appends are serialized by the single
`audit_head` row: PostgreSQL locks it with SELECT ... FOR UPDATE, SQLite's BEGIN IMMEDIATE
already lets one writer in at a time. The lock is taken at the end of the unit of work and held
only until its commit, and a whole unit's entries are chained and inserted in one batch (a group
commit), so audit costs one lock and one multi-row insert per transaction, not per entry.

Every `segment_size` entries a checkpoint seals the segment with a Merkle root; the segment
boundary follows the previous checkpoint, so changing the size later never overlaps segments.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, cast, overload

from sqlalchemy import Connection, Table, bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from privet.audit.encoding import GENESIS_HASH, canonical_json, canonical_time, entry_hash
from privet.audit.merkle import merkle_root
from privet.audit.tables import AuditCheckpoint, AuditEntry, AuditHead
from privet.store.bulk import insert_rows
from privet.store.db import utcnow
from privet.store.uow import PendingEntry

__all__ = [
    "DEFAULT_SEGMENT_SIZE",
    "GENESIS_HASH",
    "AppendedEntries",
    "AuditChainError",
    "append_entries",
    "canonical_json",
    "canonical_time",
    "entry_hash",
    "segment_size_from_env",
]

DEFAULT_SEGMENT_SIZE = 1024
HEAD_ID = 1
SEGMENT_ENV = "PRIVET_AUDIT_SEGMENT_SIZE"

_entries: Table = cast(Table, AuditEntry.__table__)
_heads: Table = cast(Table, AuditHead.__table__)
_checkpoints: Table = cast(Table, AuditCheckpoint.__table__)


class AuditChainError(RuntimeError):
    """The chain cannot be extended safely (its head is missing while entries exist)."""


def segment_size_from_env() -> int:
    """$PRIVET_AUDIT_SEGMENT_SIZE, else 1024: entries per checkpoint."""
    raw = os.environ.get(SEGMENT_ENV)
    if not raw:
        return DEFAULT_SEGMENT_SIZE
    size = int(raw)
    if size < 1:
        raise ValueError(f"{SEGMENT_ENV} must be a positive integer, not {raw!r}")
    return size


class AppendedEntries(Sequence[AuditEntry]):
    """The entries one append wrote, as `AuditEntry` objects built only when first read.

    The unit of work never reads them, and building ORM objects costs about as much as hashing
    and inserting the rows (some 30 µs each), so a group commit should not pay for them unasked.
    """

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self._rows = rows
        self._entries: list[AuditEntry] | None = None

    def _built(self) -> list[AuditEntry]:
        if self._entries is None:
            self._entries = [AuditEntry(**row) for row in self._rows]
        return self._entries

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> AuditEntry: ...
    @overload
    def __getitem__(self, index: slice) -> list[AuditEntry]: ...
    def __getitem__(self, index: int | slice) -> AuditEntry | list[AuditEntry]:
        return self._built()[index]

    @property
    def last(self) -> tuple[int, str] | None:
        """(seq, hash) of the last entry written, without building any object."""
        return (self._rows[-1]["seq"], self._rows[-1]["hash"]) if self._rows else None


def append_entries(session: Session, pending: Sequence[PendingEntry], *, segment_size: int | None = None) -> AppendedEntries:
    """Chain `pending` after the current head inside the session's transaction; return the new entries.

    Nothing is committed here: the entries become visible with the caller's commit, or vanish
    with its rollback, together with the state change they describe. Three statements in all
    (lock the head, insert the batch, move the head), plus two when a segment completes.
    """
    if not pending:
        return AppendedEntries([])
    if segment_size is not None and segment_size < 1:
        raise ValueError(f"segment_size must be positive, not {segment_size}")
    size = segment_size or segment_size_from_env()
    texts = [canonical_json(p.data) for p in pending]  # before the lock: it holds up every other writer
    conn = session.connection()  # Core on the session's transaction: no ORM bookkeeping per row
    seq, prev = _lock_head(conn)
    rows: list[dict[str, Any]] = []
    for p, data in zip(pending, texts, strict=True):
        seq += 1
        digest = entry_hash(seq, p.at, p.actor, p.action, p.subject, data, prev)
        rows.append(
            {
                "seq": seq,
                "at": p.at,
                "actor": p.actor,
                "action": p.action,
                "subject": p.subject,
                "data": data,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    insert_rows(conn, _entries, rows)
    # The last sealed seq is read in the same statement that moves the head. Its snapshot is taken
    # after the head lock was granted, so it sees every checkpoint committed by earlier appenders.
    sealed = conn.execute(_MOVE_HEAD, {"seq": seq, "hash": prev}).scalar_one()
    _write_checkpoints(conn, sealed or 0, size, [row["hash"] for row in rows], first_seq=rows[0]["seq"])
    return AppendedEntries(rows)


_LOCK_HEAD = select(_heads.c.seq, _heads.c.hash).where(_heads.c.id == HEAD_ID).with_for_update()
_MOVE_HEAD = (
    update(_heads)
    .where(_heads.c.id == HEAD_ID)
    .values(seq=bindparam("seq"), hash=bindparam("hash"))
    .returning(select(func.max(_checkpoints.c.last_seq)).scalar_subquery())
)


def _lock_head(conn: Connection) -> tuple[int, str]:
    """Lock the head row (creating it on the first append) and return (last seq, last hash)."""
    row = conn.execute(_LOCK_HEAD).one_or_none()
    if row is None:
        # Several first appends may race here; the losers wait on the winner's insert, find its
        # head, and lock it. Only once the lock is ours can "no head but entries" be trusted.
        conn.execute(_insert_head_if_absent(conn.dialect.name))
        row = conn.execute(_LOCK_HEAD).one()
        if row.seq == 0 and conn.execute(select(func.max(_entries.c.seq))).scalar() is not None:
            raise AuditChainError("the audit head row is missing but entries exist; run `privet audit verify`")
    return int(row.seq), str(row.hash)


def _insert_head_if_absent(dialect: str) -> Any:
    """INSERT the genesis head, doing nothing if a concurrent first append inserted it first."""
    values = {"id": HEAD_ID, "seq": 0, "hash": GENESIS_HASH}
    if dialect == "postgresql":
        return postgresql.insert(_heads).values(values).on_conflict_do_nothing(index_elements=["id"])
    if dialect == "sqlite":
        return sqlite.insert(_heads).values(values).on_conflict_do_nothing(index_elements=["id"])
    return insert(_heads).values(values)


def _write_checkpoints(conn: Connection, sealed: int, size: int, batch: list[str], *, first_seq: int) -> None:
    """Seal every segment of `size` entries completed by this batch (usually none).

    `batch` holds the hashes this append wrote, from `first_seq` on; only a segment's entries
    from earlier appends are read back.
    """
    last_seq = first_seq + len(batch) - 1
    while sealed + size <= last_seq:
        first, last = sealed + 1, sealed + size
        hashes: list[str] = []
        if first < first_seq:
            earlier = (
                select(_entries.c.hash).where(_entries.c.seq.between(first, min(last, first_seq - 1))).order_by(_entries.c.seq)
            )
            # Seal what is stored even if rows were removed meanwhile: refusing would halt every write,
            # and `verify` names the removal from the chain links anyway.
            hashes.extend(conn.execute(earlier).scalars())
        hashes.extend(batch[max(first - first_seq, 0) : max(last - first_seq + 1, 0)])
        last_hash = hashes[-1] if hashes else GENESIS_HASH
        values = {
            "first_seq": first,
            "last_seq": last,
            "last_hash": last_hash,
            "merkle_root": merkle_root(hashes),
            "created_at": utcnow(),
        }
        conn.execute(insert(_checkpoints).values(values))
        sealed = last
