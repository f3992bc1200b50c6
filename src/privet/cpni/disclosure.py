"""May the rep disclose this CPNI to the person on the line? The decision point plus the interaction's authentication.

The decision point answers whether the data may be used for customer service at all (the pack
and the regimes). CPNI adds a condition the decision point cannot know: that *this* caller
passed an authentication in *this* interaction that unlocks what is asked (64.2010, CPNI-15 to
-18). Both must allow; the answer is one `Decision` whose reasons say which refused, and when
call detail is refused the rep gets the lawful alternatives (mail to the address of record, call
back the number of record). Name, address and telephone number are subscriber list
information, not CPNI, so they need the decision only.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from privet.cpni.auth import account_for, lawful_alternatives, passing_authentication
from privet.cpni.rules import RULE_FOR_CHANNEL, Channel, Scope, needed_scope
from privet.decide.decider import Decider
from privet.decide.engine import Request
from privet.decide.explain import Decision, Outcome, Reason
from privet.decide.service import decide_for_person
from privet.store.uow import UnitOfWork
from privet.subjects.service import get_person

SERVICE_PURPOSE = "essential.service"
CITATION = "47 CFR 64.2010"


@dataclass(frozen=True)
class CallerDecision:
    decision: Decision
    authentication_id: int | None
    alternatives: tuple[str, ...]


def check_caller_disclosure(
    uow: UnitOfWork,
    decider: Decider,
    *,
    interaction_id: str,
    person_id: int,
    categories: tuple[str, ...],
    account_number: str | None = None,
    purpose: str = SERVICE_PURPOSE,
) -> CallerDecision:
    """Decide a disclosure to the customer in an interaction; refused without a passing authentication."""
    person = get_person(uow, person_id)
    account = account_for(person, account_number)
    now = uow.now()
    decision = decide_for_person(uow, decider, person.id, Request(categories, purpose, "first_party"), now)
    scope = needed_scope(categories)
    auth = passing_authentication(uow, interaction_id, person.id, scope, now) if scope else None
    alternatives: tuple[str, ...] = ()
    if scope is not None and auth is None:
        rule = "CPNI-15" if scope is Scope.CALL_DETAIL else "CPNI-01"
        what = "call detail" if scope is Scope.CALL_DETAIL else "CPNI"
        refusal = Reason(
            "cpni",
            rule,
            f"no passing authentication in interaction {interaction_id} unlocks {what} for this person",
            CITATION,
            allows=False,
        )
        rules = tuple(dict.fromkeys((*decision.regime_rules, rule)))
        decision = Decision(
            False,
            Outcome.PROHIBITED_BY_LAW,
            decision.policy_version,
            decision.rule,
            rules,
            (*decision.reasons, refusal),
            decision.obligations,
        )
        if scope is Scope.CALL_DETAIL:
            alternatives = lawful_alternatives(person, account, now.date())
    elif auth is not None:
        rule = RULE_FOR_CHANNEL[Channel(auth.channel)]
        passed = Reason("cpni", rule, f"authenticated in this interaction by {auth.method} ({auth.reason})", CITATION)
        decision = replace(decision, reasons=(*decision.reasons, passed))
    uow.record(
        "cpni.disclosure_checked",
        f"person:{person.id}",
        interaction=interaction_id,
        categories=list(categories),
        allowed=decision.allowed,
        authentication=auth.id if auth else None,
    )
    return CallerDecision(decision, auth.id if auth else None, alternatives)
