"""Masking strategies: what an erased column holds afterwards.

`null` and a fixed string remove the value outright. `hash` keeps equal values equal (so
reports still count distinct callers) without keeping the value; `keyed_hash` does the same
with a secret, so nobody can confirm a guess by hashing it. Hashes are not idempotent
(hashing a hash gives a new value), which is why execution plans them once and re-applies the
stored plan on resume instead of hashing again.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from privet.requests.datasets.model import Erase, Strategy, Table


def masked(erase: Erase, value: Any, key: bytes) -> Any:
    if erase.strategy is Strategy.NULL:
        return None
    if erase.strategy is Strategy.STRING:
        return erase.value
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    if erase.strategy is Strategy.HASH:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    elif erase.strategy is Strategy.KEYED_HASH:
        digest = hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()
    else:
        return value
    return digest[: erase.length] if erase.length else digest


def erasable(table: Table) -> dict[str, Erase]:
    """Columns a deletion changes: every column not kept by declaration and not part of the key."""
    return {
        name: col.erasure
        for name, col in table.columns.items()
        if col.erasure.strategy is not Strategy.KEEP and name not in table.primary_key
    }


def row_changes(table: Table, row: dict[str, Any], kept: frozenset[str], key: bytes) -> dict[str, Any]:
    """New values for one row; a column already empty, or already holding the fixed string, is left alone."""
    out: dict[str, Any] = {}
    for name, erase in erasable(table).items():
        if name in kept:
            continue
        value = row.get(name)
        if value is None:
            continue
        new = masked(erase, value, key)
        if new != value:
            out[name] = new
    return out
