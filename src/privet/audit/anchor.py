"""Anchors: signed statements of the chain's head, kept outside the database.

The chain and its checkpoints show that nothing was changed *unless* someone rewrote them
whole: with write access to the database, an insider can alter an entry and recompute every
later hash, every checkpoint root and the head, and the rewritten chain verifies. An anchor
defeats that. It states "entry N had hash H" at a moment, signed with an Ed25519 key that is
not in the database, and is kept where the database's writers cannot reach it (a write-once
bucket, a log shipped off the machine, a message to the auditor). Because each entry hash
binds everything before it, one anchor commits to the whole chain up to N: a rewrite of any
entry up to N changes entry N's hash, and `privet audit verify --anchors` then names the
anchor it contradicts.

An anchor is one line of JSON: the statement (format version, the time it was made, the head's
seq and hash, the number of sealed checkpoints and the last one's Merkle root), the id of the
signing key (the first 16 hex digits of the SHA-256 of its raw public key) and the signature,
base64, over the statement's canonical JSON. Lines are only ever appended to an anchor file.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Engine, Table, func, select

from privet.audit.encoding import canonical_json, canonical_time
from privet.audit.tables import AuditCheckpoint, AuditEntry, AuditHead

FORMAT = 1
_entries: Table = cast(Table, AuditEntry.__table__)
_checkpoints: Table = cast(Table, AuditCheckpoint.__table__)
_heads: Table = cast(Table, AuditHead.__table__)


class AnchorError(ValueError):
    """A key or anchor file privet cannot use, in plain words."""


@dataclass(frozen=True)
class Anchor:
    statement: dict[str, Any]
    key_id: str
    signature: str

    @property
    def seq(self) -> int:
        return int(self.statement["seq"])

    @property
    def hash(self) -> str:
        return str(self.statement["hash"])

    def line(self) -> str:
        return json.dumps({"statement": self.statement, "key_id": self.key_id, "signature": self.signature}, sort_keys=True)


@dataclass(frozen=True)
class AnchorProblem:
    """An anchor the database contradicts (or that is not genuine), with the line it came from."""

    line: int
    seq: int | None
    message: str


# --- keys ---------------------------------------------------------------------------------


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def new_key(private_path: Path, public_path: Path) -> str:
    """Create a signing key (PEM, mode 0600) and its public half; return the key id. Neither file may exist."""
    if private_path.resolve() == public_path.resolve():
        raise AnchorError("the private and public key need two different files")
    for path in (private_path, public_path):
        if path.exists():
            raise AnchorError(f"{path} exists; privet never overwrites a key")
    key = Ed25519PrivateKey.generate()
    public = key.public_key()
    _write_new(
        private_path,
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
        0o600,
    )
    _write_new(
        public_path, public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo), 0o644
    )
    return key_id(public)


def _write_new(path: Path, data: bytes, mode: int) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        raise AnchorError(f"{path} exists; privet never overwrites a key") from None
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def load_private(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise AnchorError(f"{path}: not a readable unencrypted PEM private key ({exc.__class__.__name__})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise AnchorError(f"{path}: anchors are signed with Ed25519; this is a {type(key).__name__}")
    return key


def load_public(path: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise AnchorError(f"{path}: not a readable PEM public key ({exc.__class__.__name__})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise AnchorError(f"{path}: anchors are signed with Ed25519; this is a {type(key).__name__}")
    return key


# --- making and reading anchors -------------------------------------------------------------


def _signed_bytes(statement: dict[str, Any]) -> bytes:
    return b"privet.audit.anchor.v1\n" + canonical_json(statement).encode("utf-8")


def make_anchor(engine: Engine, key: Ed25519PrivateKey, now: datetime) -> Anchor:
    """Sign the head as it stands now (with the latest sealed checkpoint)."""
    with engine.connect() as conn:
        head = conn.execute(select(_heads.c.seq, _heads.c.hash).where(_heads.c.id == 1)).one_or_none()
        if head is None or int(head.seq) == 0:
            raise AnchorError("the audit chain is empty: there is nothing to anchor yet")
        stored = conn.execute(select(_entries.c.hash).where(_entries.c.seq == head.seq)).scalar()
        if stored != head.hash:
            raise AnchorError(
                f"the head names entry {head.seq}, which is {'missing' if stored is None else 'not as the head says'}: "
                "run privet audit verify; an inconsistent chain is not anchored"
            )
        count = conn.execute(select(func.count()).select_from(_checkpoints)).scalar_one()
        last = conn.execute(
            select(_checkpoints.c.last_seq, _checkpoints.c.merkle_root).order_by(_checkpoints.c.last_seq.desc()).limit(1)
        ).one_or_none()
    statement: dict[str, Any] = {
        "format": FORMAT,
        "made_at": canonical_time(now),
        "seq": int(head.seq),
        "hash": str(head.hash),
        "checkpoints": int(count),
        "checkpoint_last_seq": int(last.last_seq) if last else None,
        "checkpoint_root": str(last.merkle_root) if last else None,
    }
    signature = base64.b64encode(key.sign(_signed_bytes(statement))).decode("ascii")
    return Anchor(statement, key_id(key.public_key()), signature)


def append_anchor(path: Path, anchor: Anchor) -> None:
    """Append one line; the file is opened for appending only, and flushed to disk before returning."""
    with path.open("a", encoding="utf-8") as out:
        out.write(anchor.line() + "\n")
        out.flush()
        os.fsync(out.fileno())


def read_anchors(lines: Iterable[str]) -> tuple[list[tuple[int, Anchor]], list[AnchorProblem]]:
    """Parse an anchor file: the anchors with their line numbers, and a problem for each line that is not one."""
    anchors: list[tuple[int, Anchor]] = []
    problems: list[AnchorProblem] = []
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            anchor = _parse(text)
        except (ValueError, KeyError, TypeError) as exc:
            problems.append(AnchorProblem(number, None, f"not an anchor ({exc})"))
            continue
        anchors.append((number, anchor))
    return anchors, problems


def _parse(text: str) -> Anchor:
    item = json.loads(text)
    if not isinstance(item, dict) or not isinstance(item.get("statement"), dict):
        raise ValueError("a line must be an object with a statement object")
    statement = item["statement"]
    seq, digest = statement.get("seq"), statement.get("hash")
    if statement.get("format") != FORMAT:
        raise ValueError(f"format {statement.get('format')!r} is not {FORMAT}")
    if type(seq) is not int or seq < 1 or not isinstance(digest, str) or len(digest) != 64:
        raise ValueError("seq must be a positive integer and hash 64 hex digits")
    if not isinstance(item.get("key_id"), str) or not isinstance(item.get("signature"), str):
        raise ValueError("key_id and signature must be text")
    return Anchor(statement, item["key_id"], item["signature"])


def check_anchors(engine: Engine, anchors: Sequence[tuple[int, Anchor]], keys: Sequence[Ed25519PublicKey]) -> list[AnchorProblem]:
    """Each anchor must be signed by one of `keys` (several, across a key rotation) and agree with the database:
    entry seq has the anchored hash, and the checkpoint it names has the anchored root. No anchor at all is a
    problem too: a file emptied by whoever rewrote the chain must not pass as agreement."""
    problems: list[AnchorProblem] = []
    genuine: list[tuple[int, Anchor]] = []
    by_id = {key_id(k): k for k in keys}
    for number, anchor in anchors:
        public = by_id.get(anchor.key_id)
        if public is None:
            problems.append(
                AnchorProblem(number, anchor.seq, f"signed by key {anchor.key_id}, not by {', '.join(sorted(by_id))}")
            )
            continue
        try:
            public.verify(base64.b64decode(anchor.signature, validate=True), _signed_bytes(anchor.statement))
        except (InvalidSignature, ValueError):
            problems.append(AnchorProblem(number, anchor.seq, "the signature does not verify: the anchor was altered or forged"))
            continue
        genuine.append((number, anchor))
    if not anchors:
        problems.append(AnchorProblem(0, None, "there are no anchors to check against"))
    seqs = sorted({a.seq for _, a in genuine})
    roots = sorted({a.statement["checkpoint_last_seq"] for _, a in genuine if a.statement.get("checkpoint_last_seq")})
    with engine.connect() as conn:
        hashes = _lookup(conn, _entries.c.seq, _entries.c.hash, seqs)
        sealed = _lookup(conn, _checkpoints.c.last_seq, _checkpoints.c.merkle_root, roots)
    for number, anchor in genuine:
        made = anchor.statement.get("made_at")
        if anchor.seq not in hashes:
            problems.append(AnchorProblem(number, anchor.seq, f"entry {anchor.seq}, anchored at {made}, is missing"))
        elif hashes[anchor.seq] != anchor.hash:
            problems.append(
                AnchorProblem(
                    number, anchor.seq, f"entry {anchor.seq} differs from the anchor made at {made}: the chain was rewritten"
                )
            )
        last_seq = anchor.statement.get("checkpoint_last_seq")
        if last_seq and sealed.get(last_seq) != anchor.statement.get("checkpoint_root"):
            problems.append(
                AnchorProblem(
                    number, anchor.seq, f"the checkpoint ending at entry {last_seq} differs from the anchor made at {made}"
                )
            )
    return problems


def _lookup(conn: Any, key: Any, value: Any, wanted: list[int], chunk: int = 500) -> dict[int, str]:
    found: dict[int, str] = {}
    for i in range(0, len(wanted), chunk):
        for k, v in conn.execute(select(key, value).where(key.in_(wanted[i : i + chunk]))):
            found[int(k)] = str(v)
    return found
