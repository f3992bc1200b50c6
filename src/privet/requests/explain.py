"""Why a category of data is held and who gets it, in the pack's own words.

An access or know answer must say, for each category found, the purposes it serves and the
recipients it goes to (1798.110). Those come from the pack's rules (every rule that is not
`never` and covers the category) and its collection entries (the sources); names come from
the vocabulary, so the person reads "Email address", not `user.contact.email`.
"""

from __future__ import annotations

from dataclasses import dataclass

from privet.policy.model import Basis, PolicyPack
from privet.policy.taxonomy import builtin_categories, builtin_purposes, overlaps

NOT_RECIPIENTS = frozenset({"first_party"})


@dataclass(frozen=True)
class Use:
    purposes: tuple[tuple[str, str], ...]  # (key, name)
    recipients: tuple[tuple[str, str, str], ...]  # (id, name, kind)
    sources: tuple[str, ...]


class Explainer:
    """Names, purposes and recipients for one pack; each category is worked out once."""

    def __init__(self, pack: PolicyPack) -> None:
        self.pack = pack
        self.category_names = {k: t.name for k, t in builtin_categories().items()} | {
            t.key: t.name for t in pack.extensions.categories
        }
        self.purpose_names = {k: t.name for k, t in builtin_purposes().items()} | {
            t.key: t.name for t in pack.extensions.purposes
        }
        self._uses: dict[str, Use] = {}

    def category_name(self, key: str) -> str:
        probe = key
        while probe and probe not in self.category_names:
            probe = probe.rpartition(".")[0]
        return self.category_names.get(probe, key)

    def purpose_name(self, key: str) -> str:
        return self.purpose_names.get(key, key)

    def uses(self, category: str) -> Use:
        if category not in self._uses:
            self._uses[category] = self._work_out(category)
        return self._uses[category]

    def _work_out(self, category: str) -> Use:
        purposes: dict[str, str] = {}
        recipients: dict[str, tuple[str, str, str]] = {}
        for rule in self.pack.rules:
            if rule.basis is Basis.NEVER or not any(overlaps(category, c) for c in rule.categories):
                continue
            purposes[rule.purpose] = self.purpose_name(rule.purpose)
            spec = self.pack.recipient(rule.recipient)
            if spec is not None and spec.kind.value not in NOT_RECIPIENTS:
                recipients[spec.id] = (spec.id, spec.name, spec.kind.value)
        sources = {
            s.value for item in self.pack.collection if any(overlaps(category, c) for c in item.categories) for s in item.sources
        }
        return Use(tuple(sorted(purposes.items())), tuple(sorted(recipients.values())), tuple(sorted(sources)))
