"""Merkle roots and inclusion proofs agree with the RFC 6962 definition."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from privet.audit.merkle import EMPTY_ROOT, inclusion_path, leaf_hash, merkle_root, node_hash, verify_inclusion


def _mth(hashes: list[str]) -> bytes:
    """RFC 6962 section 2.1, written out recursively as the reference."""
    if len(hashes) == 1:
        return leaf_hash(hashes[0])
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return node_hash(_mth(hashes[:k]), _mth(hashes[k:]))


def _hashes(n: int) -> list[str]:
    return [hashlib.sha256(str(i).encode()).hexdigest() for i in range(n)]


def test_empty_tree() -> None:
    assert merkle_root([]) == EMPTY_ROOT


@given(st.integers(1, 300))
def test_accumulated_root_matches_the_recursive_definition(n: int) -> None:
    hashes = _hashes(n)
    assert merkle_root(hashes) == _mth(hashes).hex()


@given(st.integers(1, 130).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1))))
def test_every_leaf_has_a_valid_proof_and_nothing_else_does(case: tuple[int, int]) -> None:
    n, index = case
    hashes = _hashes(n)
    root = merkle_root(hashes)
    path = inclusion_path(hashes, index)
    assert verify_inclusion(hashes[index], index, n, path, root)
    assert not verify_inclusion(hashlib.sha256(b"forged").hexdigest(), index, n, path, root)
    if n > 1:
        assert not verify_inclusion(hashes[index], (index + 1) % n, n, path, root)
        assert not verify_inclusion(hashes[index], index, n, path[:-1], root)
