"""Every signature's verdict from as few decisions as the data needs.

Signatures are visited from the most common. Each is decided with tracing (`bulk_trace`), and
its verdict goes at once to every undecided signature that answers the features the decision
read the same way. The answers are computed for all signatures together with NumPy: each
feature is a small integer per signature (a dimension's code; 0/1 for "any of these lines",
"at least this old", "age known"), and a pattern of features is packed into one integer per
signature, so matching a decision's pattern is one vectorised comparison.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from privet.decide.bulk_signature import Signature, Verdict
from privet.decide.bulk_trace import AGE, AGE_KNOWN, ALL_CHOICES, ALL_LINES, SignatureIncomplete, decide_traced, unmemoised

Column = Any  # one small integer per signature
FACT_DIMENSIONS = frozenset(
    {"governing", "state", "billing_state", "account_type", "account_status", "parental_consent", "gpc", "cpni_notice"}
)


class Features:
    """Feature columns over the distinct signatures of one audience."""

    def __init__(self, sig: Signature, keys: Any):
        self.sig = sig
        self.keys = keys
        self.codes = {d.name: (keys // sig.strides[d.name]) % d.size for d in sig.dims}
        self._columns: dict[str, Column | None] = {}
        self._packed: dict[frozenset[str], Any] = {}

    def packed(self, pattern: frozenset[str]) -> Any:
        """One integer per signature, equal exactly when the signatures answer every feature of `pattern` alike."""
        out = self._packed.get(pattern)
        if out is None:
            columns = [c for c in (self.column(f) for f in sorted(pattern)) if c is not None]
            out = np.zeros(len(self.keys), dtype=np.int64)
            radix = 1
            for values in columns:
                size = int(values.max()) + 1
                if radix * size >= 2**62:  # too many combinations to pack: number them instead
                    out = np.unique(np.stack(columns, axis=1), axis=0, return_inverse=True)[1].reshape(-1)
                    break
                out += values * radix
                radix *= size
            self._packed[pattern] = out
        return out

    def column(self, feature: str) -> Column | None:
        """The feature's value per signature, or None when it is the same for every signature here."""
        if feature not in self._columns:
            self._columns[feature] = self._column(feature)
        return self._columns[feature]

    def _column(self, feature: str) -> Column | None:
        if feature in self.codes:
            return self.codes[feature]
        if feature == "*":
            return self.keys
        if feature in (ALL_CHOICES, ALL_LINES, "kind:*"):
            prefix = feature.removesuffix("*")
            names = [n for n in self.codes if n.startswith(prefix)]
            return self.packed(frozenset(names)) if names else None
        if feature.startswith("choice:"):
            # A choice is read only for a rule or floor that applies to the use, so one the
            # signature does not hold means a regime applied that bulk_regimes did not expect.
            raise SignatureIncomplete(f"deciding {self.sig.request} read {feature}, which the audience signature does not hold")
        if feature.startswith(("line:", "kind:")):
            return None  # not in the signature: absent for everyone (a regime tested it before finding it does not apply)
        if feature.startswith("any:"):
            present = [self.codes[f"line:{m}"] for m in feature.removeprefix("any:").split(",") if f"line:{m}" in self.codes]
            return np.any(np.stack(present), axis=0).astype(np.int64) if present else None
        if feature in (AGE, AGE_KNOWN) or feature.startswith("age>="):
            return self._age(feature)
        if feature in FACT_DIMENSIONS:
            return None  # a fact the signature has no classes of: the same for everyone
        raise ValueError(f"unknown feature {feature}")

    def _age(self, feature: str) -> Column | None:
        codes = self.codes.get(AGE)
        if codes is None:
            return None  # no age class in the signature: everyone is decided with the age unknown
        if feature == AGE:
            return codes
        if feature == AGE_KNOWN:
            return (codes != 0).astype(np.int64)
        threshold = int(feature.removeprefix("age>="))
        if threshold not in self.sig.age_cuts:
            raise SignatureIncomplete(
                f"deciding {self.sig.request} compared the age with {threshold}, not a cut of the signature"
            )
        size = len(self.sig.age_cuts) + 2
        table = np.array([int(a is not None and a >= threshold) for a in (self.sig.age_of(code) for code in range(size))])
        return table[codes]


def verdicts_by_reads(sig: Signature, counts: Mapping[int, int]) -> tuple[dict[int, Verdict], int]:
    """Every signature's verdict, and how many decisions it took to find them."""
    keys = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
    if len(keys) == 0:
        return {}, 0
    weights = np.fromiter(counts.values(), dtype=np.int64, count=len(counts))
    table = Features(sig, keys)
    which = np.full(len(keys), -1, dtype=np.int64)
    verdicts: list[Verdict] = []
    decider = unmemoised(sig.decider)
    for i in np.argsort(-weights, kind="stable").tolist():
        if which[i] >= 0:
            continue
        decision, read = decide_traced(sig, int(keys[i]), decider)
        packed = table.packed(frozenset(read))
        which[(packed == packed[i]) & (which < 0)] = len(verdicts)
        verdicts.append(Verdict(decision.allowed, decision.denial_reason, decision))
    return {k: verdicts[v] for k, v in zip(keys.tolist(), which.tolist(), strict=True)}, len(verdicts)
