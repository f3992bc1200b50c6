"""Merkle trees over segments of the chain, in the shape of RFC 6962 / RFC 9162.

A checkpoint's root commits to every entry hash of its segment; an inclusion proof then shows
that one entry belongs to a published root with log2(n) hashes, without handing over the rest
of the log. Leaves and inner nodes hash with different prefixes (0x00, 0x01) so a leaf can
never pass for a node. The accumulator keeps only one hash per level, so a verifier can fold a
segment of any length in constant memory.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

EMPTY_ROOT = hashlib.sha256(b"").hexdigest()


def leaf_hash(entry_hash: str) -> bytes:
    return hashlib.sha256(b"\x00" + bytes.fromhex(entry_hash)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class MerkleAccumulator:
    """Adds leaves one at a time; `root()` is the RFC 6962 tree hash of the leaves so far."""

    __slots__ = ("_stack", "size")

    def __init__(self) -> None:
        self._stack: list[tuple[int, bytes]] = []  # (height, digest) of perfect subtrees, largest first
        self.size = 0

    def add(self, entry_hash: str) -> None:
        height, digest = 0, leaf_hash(entry_hash)
        stack = self._stack
        while stack and stack[-1][0] == height:
            digest = node_hash(stack.pop()[1], digest)
            height += 1
        stack.append((height, digest))
        self.size += 1

    def root(self) -> str:
        if not self._stack:
            return EMPTY_ROOT
        digest = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):
            digest = node_hash(left, digest)
        return digest.hex()


def merkle_root(entry_hashes: Iterable[str]) -> str:
    acc = MerkleAccumulator()
    for h in entry_hashes:
        acc.add(h)
    return acc.root()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def _subtree(leaves: Sequence[bytes]) -> bytes:
    if len(leaves) == 1:
        return leaves[0]
    k = _split(len(leaves))
    return node_hash(_subtree(leaves[:k]), _subtree(leaves[k:]))


def inclusion_path(entry_hashes: Sequence[str], index: int) -> list[str]:
    """The audit path (hex, leaf to root) proving leaf `index` of `entry_hashes` (RFC 6962 PATH)."""
    if not 0 <= index < len(entry_hashes):
        raise IndexError(f"leaf {index} is outside a tree of {len(entry_hashes)}")
    leaves = [leaf_hash(h) for h in entry_hashes]
    path: list[bytes] = []
    lo, hi, m = 0, len(leaves), index
    while hi - lo > 1:
        k = _split(hi - lo)
        if m < k:
            path.append(_subtree(leaves[lo + k : hi]))
            hi = lo + k
        else:
            path.append(_subtree(leaves[lo : lo + k]))
            lo, m = lo + k, m - k
    return [p.hex() for p in reversed(path)]


def verify_inclusion(entry_hash: str, index: int, size: int, path: Sequence[str], root: str) -> bool:
    """True when `path` proves that `entry_hash` is leaf `index` of a tree of `size` with `root` (RFC 9162 2.1.3.2)."""
    if not 0 <= index < size:
        return False
    fn, sn = index, size - 1
    digest = leaf_hash(entry_hash)
    for hex_sibling in path:
        if sn == 0:
            return False
        sibling = bytes.fromhex(hex_sibling)
        if fn & 1 or fn == sn:
            digest = node_hash(sibling, digest)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            digest = node_hash(digest, sibling)
        fn >>= 1
        sn >>= 1
    return sn == 0 and digest.hex() == root
