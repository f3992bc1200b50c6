"""Every regime reads only what `bulk_regimes.REGIME_READS` declares, and the probe finds every regime that can apply.

Audiences group people by the declared facts only; a regime that read something undeclared
would make two people in one group deserve different answers. These tests fail first.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from privet.decide.bulk_regimes import ALL_LINES, REGIME_READS, US_CODES, active_regimes, project, reads_of
from privet.policy.taxonomy import RecipientKind
from privet.regimes.base import SubjectFacts, Use
from privet.regimes.registry import REGIMES
from tests.decide.gen import PACKS, pack_at

AT = datetime(2026, 3, 1, 12, tzinfo=UTC)
REGIME_KEYS = [
    "user.telecom.cpni", "user.telecom.cpni.location", "user.telecom.cpni.usage", "user.telecom.cpni.billing", "user.telecom.cable_viewing", "user.financial.credit_report",
    "user.financial.payment_history", "user.deidentified", "user.contact.email", "user",
]  # fmt: skip
REGIME_PURPOSES = [
    "marketing", "marketing.communications.email", "marketing.communications.sms", "marketing.communications.phone",
    "marketing.cpni.non_communications", "third_party_sharing.sale", "marketing.advertising.third_party",
    "analytics.deidentified", "essential.emergency_response", "essential.service", "essential.legal_obligation",
]  # fmt: skip


def _vocabulary() -> tuple[list[str], list[str]]:
    cats, purposes = set(REGIME_KEYS), set(REGIME_PURPOSES)
    for name in PACKS:
        for rule in pack_at(name).rules:
            cats.update(rule.categories)
            purposes.add(rule.purpose)
    return sorted(cats), sorted(purposes)


CATEGORIES, PURPOSES = _vocabulary()

uses = st.builds(
    Use,
    categories=st.lists(st.sampled_from(REGIME_KEYS) | st.sampled_from(CATEGORIES), min_size=1, max_size=3).map(tuple),
    purpose=st.sampled_from(REGIME_PURPOSES) | st.sampled_from(PURPOSES),
    recipient_kind=st.sampled_from([RecipientKind.FIRST_PARTY, RecipientKind.AFFILIATE, RecipientKind.AD_NETWORK])
    | st.sampled_from(list(RecipientKind)),
    channel=st.sampled_from([None, "email", "sms", "phone", "mail"]),
    at=st.just(AT),
)
# Half the draws from the values some regime names, so its branches are reached; half from every code.
codes = st.sampled_from([None, "ZZ", "CA", "ME", "NV"]) | st.sampled_from(sorted(US_CODES))
facts = st.builds(
    SubjectFacts,
    state=codes,
    billing_state=codes,
    age=st.one_of(st.none(), st.integers(0, 40)),
    service_lines=st.frozensets(st.sampled_from(sorted(ALL_LINES))),
    parental_consent=st.booleans(),
    gpc=st.booleans(),
    cpni_notice_sent_at=st.one_of(st.none(), st.integers(0, 60).map(lambda d: AT - timedelta(days=d))),
    cpni_notice_mailed=st.booleans(),
    account_type=st.sampled_from([None, "residential", "business"]),
    account_status=st.sampled_from([None, "active", "disconnected"]),
)


def test_every_regime_is_declared() -> None:
    assert {r.id for r in REGIMES} <= set(REGIME_READS)


@settings(max_examples=800, deadline=None)
@given(use=uses, person=facts)
def test_a_regime_sees_only_what_it_declares(use: Use, person: SubjectFacts) -> None:
    for regime in REGIMES:
        assert regime.floors(use, person) == regime.floors(use, project(person, reads_of(regime))), regime.id


@settings(max_examples=200, deadline=None)
@given(use=uses, person=facts)
def test_the_probe_finds_every_regime_that_applies(use: Use, person: SubjectFacts) -> None:
    active = active_regimes(use)
    for regime in REGIMES:
        if regime.floors(use, person):
            assert regime in active, regime.id
