"""Releasing data under a demand: the demand's reach, the decision point, the notices, then the disclosure log.

In order, each able to refuse:
1. the demand is open and names this person; the categories are within what it asked for;
2. the demand's kind reaches them (`process.refusals`: BSI only for a subpoena, contents only
   with a warrant, no viewing records to government);
3. a voluntary disclosure has its good-faith basis (SCA-03), and a pack that discloses only
   when compelled refuses voluntary ones;
4. the decision point allows the categories for the demand's purpose and recipient, and every
   obligation its rules carry is either met here or attested on the demand;
5. a notice owed *before* release (CABLE-03, civil discovery) has been given, which a running
   non-disclosure order prevents.
Only then is the release recorded with `record_disclosure`, under the demand, and any notice
owed after release is queued (or held until the non-disclosure order ends).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from privet.decide.decider import Decider
from privet.decide.engine import Request, UnknownRecipient
from privet.decide.service import decide_for_person
from privet.legal.demands import get_demand
from privet.legal.disclosures import record_disclosure
from privet.legal.notices import gagged, is_given, owe_notice
from privet.legal.process import KINDS, DemandKind, LegalError, cable_notice_first, refusals
from privet.legal.tables import Disclosure
from privet.policy.model import PolicyPack
from privet.policy.taxonomy import is_within
from privet.store.uow import UnitOfWork
from privet.subjects.service import get_person

# Obligations privet itself discharges in this flow; any other a rule carries must be attested.
HANDLED = frozenset(
    {
        "log_disclosure",
        "verify_legal_process",
        "disclose_only_what_process_covers",
        "share_only_what_the_order_needs",
        "minimum_necessary",
        "good_faith_belief_recorded",
        "compelled_only",
        "notify_subscriber",
        "legal_floor_applies",
        "only_where_law_permits_or_customer_authorized",
    }
)


class ReleaseRefused(LegalError):
    """A release refused; `rule` names the regulation or policy element that refused it."""

    def __init__(self, message: str, rule: str):
        super().__init__(message)
        self.rule = rule


@dataclass(frozen=True)
class Released:
    """The outcome of one release: the disclosure logged, or the refusal (which is audited and committed too)."""

    disclosure: Disclosure | None
    refusal: ReleaseRefused | None = None


def release(
    uow: UnitOfWork,
    decider: Decider,
    pack: PolicyPack,
    demand_id: int,
    *,
    person_id: int,
    categories: Sequence[str],
    details: dict[str, Any] | None = None,
) -> Released:
    """Release `categories` of a person under a demand, or refuse with the rule that forbids it.

    A refusal is returned, not raised, so the caller commits what the attempt did: the audit
    entry of the refusal, and any notice to the subscriber it queued.
    """
    demand = get_demand(uow, demand_id)
    person = get_person(uow, person_id)
    cats = tuple(dict.fromkeys(categories))
    try:
        _check_demand(uow, demand_id, person.id, cats, [m.account.number for m in person.roles])
        kind = DemandKind(demand.kind)
        spec = KINDS[kind]
        found = refusals(kind, cats, issuer_kind=demand.issuer_kind)
        if found:
            raise ReleaseRefused(f"{found[0].category}: {found[0].reason}", found[0].rule)
        if spec.needs_basis and not demand.good_faith_basis:
            raise ReleaseRefused(
                "a voluntary disclosure needs a recorded good-faith basis (18 U.S.C. 2702(b)(8), (c)(4))", "SCA-03"
            )
        try:
            decision = decide_for_person(uow, decider, person.id, Request(cats, demand.purpose, demand.recipient), uow.now())
        except UnknownRecipient as exc:
            raise ReleaseRefused(f"recipient: {exc}", "policy") from None
        if not decision.allowed:
            raise ReleaseRefused(f"the decision point refused: {decision.denial_reason}", decision.denial_reason or "policy")
        obligations = set(decision.obligations)
        if "compelled_only" in obligations and spec.voluntary:
            raise ReleaseRefused(
                f"policy {pack.pack.id} discloses only when compelled by law; a {kind.value.replace('_', ' ')} is voluntary",
                "policy",
            )
        if "good_faith_belief_recorded" in obligations and not demand.good_faith_basis:
            raise ReleaseRefused(
                f"policy {pack.pack.id} discloses only on a recorded good-faith belief; record it on the demand", "policy"
            )
        missing = sorted(o for o in obligations - HANDLED if o not in demand.attestations)
        if missing:
            raise ReleaseRefused(f"the policy's conditions are not attested on the demand: {', '.join(missing)}", "policy")
        lines = frozenset(s.kind for m in person.roles for s in m.account.services if s.ended_on is None)
        before = (
            "CABLE-03" if cable_notice_first(kind, lines) else "civil_process" if kind is DemandKind.CIVIL_DISCOVERY else None
        )
        if before is not None:
            notice = owe_notice(uow, demand, person.id, basis=before, before_release=True)
            if not is_given(uow, notice):
                why = "a non-disclosure order runs" if gagged(demand, uow.now()) else "it has not been delivered yet"
                raise ReleaseRefused(f"the subscriber must be notified before release ({before}), and {why}", before)
    except ReleaseRefused as exc:
        uow.record(
            "legal.release_refused",
            f"person:{person.id}",
            demand=demand.id,
            categories=list(cats),
            rule=exc.rule,
            reason=str(exc),
        )
        return Released(None, exc)
    row = record_disclosure(
        uow,
        pack,
        person_id=person.id,
        recipient=demand.recipient,
        categories=cats,
        purpose=demand.purpose,
        decision=decision,
        demand_id=demand.id,
        details={**(details or {}), "demand_kind": demand.kind, "issuer": demand.issuer, "reference": demand.reference},
    )
    if "notify_subscriber" in obligations:
        owe_notice(uow, demand, person.id, basis="policy:notify_subscriber", before_release=False)
    return Released(row)


def _check_demand(uow: UnitOfWork, demand_id: int, person_id: int, categories: tuple[str, ...], accounts: list[str]) -> None:
    demand = get_demand(uow, demand_id)
    if demand.status != "open":
        raise ReleaseRefused(f"demand {demand.id} is {demand.status}", "policy")
    if demand.person_id not in (None, person_id) or (demand.person_id is None and demand.account_number not in accounts):
        raise ReleaseRefused(f"demand {demand.id} does not name this person", "policy")
    outside = [c for c in categories if not any(is_within(c, s) for s in demand.scope)]
    if outside:
        raise ReleaseRefused(f"{outside[0]}: outside what the demand asks for ({', '.join(demand.scope) or 'nothing'})", "policy")
