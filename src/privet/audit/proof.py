"""Inclusion proofs: show that one entry belongs to a checkpoint's Merkle root without the rest of the log.

An auditor who holds a checkpoint root (published outside privet's database) can check one
entry with log2(segment) hashes, e.g. to prove that a disclosure was logged when it happened.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, cast

from sqlalchemy import Engine, Table, select

from privet.audit.merkle import inclusion_path, verify_inclusion
from privet.audit.tables import AuditCheckpoint, AuditEntry

_entries: Table = cast(Table, AuditEntry.__table__)
_checkpoints: Table = cast(Table, AuditCheckpoint.__table__)


class ProofError(LookupError):
    """No proof can be built for that seq (not sealed yet, or its segment is damaged)."""


@dataclass(frozen=True)
class InclusionProof:
    seq: int
    entry_hash: str
    checkpoint_id: int
    first_seq: int
    last_seq: int
    merkle_root: str
    path: list[str]

    @property
    def index(self) -> int:
        return self.seq - self.first_seq

    @property
    def size(self) -> int:
        return self.last_seq - self.first_seq + 1

    def verify(self, trusted_root: str | None = None) -> bool:
        """Check the path against `trusted_root` (one you hold), else against the checkpoint's own root."""
        return verify_inclusion(self.entry_hash, self.index, self.size, self.path, trusted_root or self.merkle_root)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "index": self.index, "size": self.size}


def inclusion_proof(engine: Engine, seq: int) -> InclusionProof:
    """The proof that entry `seq` is in the checkpoint sealing its segment."""
    with engine.connect() as conn:
        cp = conn.execute(
            select(_checkpoints).where(_checkpoints.c.last_seq >= seq).order_by(_checkpoints.c.last_seq).limit(1)
        ).one_or_none()
        if cp is None or cp.first_seq > seq:
            raise ProofError(f"entry {seq} is not sealed by a checkpoint yet")
        query = (
            select(_entries.c.seq, _entries.c.hash)
            .where(_entries.c.seq.between(cp.first_seq, cp.last_seq))
            .order_by(_entries.c.seq)
        )
        rows = conn.execute(query).all()
    if [r.seq for r in rows] != list(range(cp.first_seq, cp.last_seq + 1)):
        raise ProofError(f"the segment {cp.first_seq}..{cp.last_seq} has missing entries: run `privet audit verify`")
    hashes = [str(r.hash) for r in rows]
    index = seq - cp.first_seq
    return InclusionProof(
        seq, hashes[index], int(cp.id), int(cp.first_seq), int(cp.last_seq), str(cp.merkle_root), inclusion_path(hashes, index)
    )
