"""The decision point across policy versions.

Data keeps the version it was collected under. When the pack in force promises that older
data stays under its version (seed 002 does), a person's data is decided under that version
until they accept the newer one; the decision says which version governed it and why.

`Decider.decide` answers through a `SignatureMemo` (`bulk_memo`): a request's answer depends on
a few classes of facts only, so people who fall in the same classes get the decision already
made for the first of them. `Decider.evaluate` is the same decision without that memo.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from privet.decide.engine import CompiledPolicy, Request, UnknownRecipient
from privet.decide.explain import Decision, Outcome, Reason
from privet.policy.model import PolicyPack
from privet.regimes.base import SubjectFacts

if TYPE_CHECKING:
    from privet.decide.bulk_memo import SignatureMemo


class Decider:
    def __init__(self, current: PolicyPack, history: Iterable[PolicyPack] = ()):
        self.current = CompiledPolicy(current)
        self.versions: dict[str, CompiledPolicy] = {p.pack.version: CompiledPolicy(p) for p in history}
        self.versions[self.current.version] = self.current
        self.pins_older_data = current.statements.older_data_keeps_version
        self.memo: SignatureMemo | None = None
        self.memoised = True

    def keeps_under(self, collected_under: str | None) -> str | None:
        """The older version data collected under `collected_under` stays under until the person accepts the
        current one (it may not be loaded: see `governing`); None when the current version governs it."""
        if not self.pins_older_data or collected_under is None or collected_under == self.current.version:
            return None
        return collected_under

    def governing(self, facts: SubjectFacts) -> tuple[CompiledPolicy, Reason | None]:
        """The compiled version that governs this person's data, and the reason when it is not the current one."""
        older = self.keeps_under(facts.collected_under)
        if older is None or self.current.version in facts.accepted_versions:
            return self.current, None
        pinned = self.versions.get(older)
        if pinned is None:
            return self.current, Reason(
                "policy",
                "version_pinning",
                f"data was collected under version {older}, which is not loaded; the current version was applied",
                allows=True,
            )
        text = f"data collected under version {older} stays under it until the person accepts version {self.current.version}"
        return pinned, Reason("policy", "version_pinning", text)

    def decide(self, request: Request, facts: SubjectFacts, at: datetime) -> Decision:
        """The decision, from the signature memo when someone in the same classes of facts was decided before."""
        if not self.memoised:
            return self.evaluate(request, facts, at)
        if self.memo is None:
            from privet.decide.bulk_memo import SignatureMemo  # the memo reads the decider's compiled versions

            self.memo = SignatureMemo(self)
        return self.memo.decide(request, facts, at)

    def evaluate(self, request: Request, facts: SubjectFacts, at: datetime) -> Decision:
        """The decision made for these facts (version pinning included), without the signature memo."""
        compiled, pin = self.governing(facts)
        if pin is None:
            return compiled.decide(request, facts, at)
        try:
            decision = compiled.decide(request, facts, at)
        except UnknownRecipient:
            # The recipient is new since the version this data is pinned to: under that version it gets nothing.
            self.current.plan(request)  # still refuses a recipient unknown to the current version
            gone = Reason(
                "policy", "no_rule", f"version {compiled.version} names no recipient '{request.recipient}'", allows=False
            )
            return Decision(False, Outcome.NO_RULE, compiled.version, None, (), (pin, gone))
        return replace(decision, reasons=(pin, *decision.reasons))
