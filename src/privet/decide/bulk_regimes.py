"""What each regime reads about a person, so an audience groups people only by facts that can matter.

A bulk decision groups a population by the facts a decision depends on and decides each group
once. Grouping by every state, every billing state and every combination of choices would
leave hundreds of thousands of groups; grouping only by the values some rule or regime tests
leaves a few hundred. The pack's rules say what they test (their `when`); the regimes are
code, so this table declares what each one reads. `tests/decide/test_bulk_regimes.py` holds
every regime to its declaration (replacing any fact a regime does not declare never changes
its floors), so a regime that starts reading something new fails that test instead of
silently splitting audiences wrongly. A regime missing from the table is treated as reading
everything, which is slow but never wrong.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from itertools import combinations, product

from privet.policy.taxonomy import RegimeId
from privet.regimes.base import Regime, SubjectFacts, Use
from privet.regimes.registry import REGIMES

# Every two-letter code a subscriber record may carry (50 states, DC, territories, military).
US_CODES = frozenset(
    [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
        "DC",
        "PR",
        "VI",
        "GU",
        "AS",
        "MP",
        "AA",
        "AE",
        "AP",
    ]
)
ALL_LINES = frozenset({"broadband", "voice", "voip", "wireless", "fax", "cable", "email", "hosting", "managed_it"})
PROBE_AGES = (None, 5, 12, 13, 15, 16, 17, 30)
PROBE_NOTICE = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Reads:
    """The facts one regime's floors (and their outcome in the engine) depend on."""

    states: frozenset[str] = frozenset()  # service-state values it compares with; any other state behaves like none
    billing_states: frozenset[str] = frozenset()  # billing-state values it compares with (besides none)
    lines: frozenset[str] = frozenset()  # service lines whose presence it tests
    age: bool = False  # the legal age bands (13, 16)
    parental_consent: bool = False
    gpc: bool = False
    cpni_notice: bool = False


EVERYTHING = Reads(US_CODES, US_CODES, ALL_LINES, True, True, True, True)

REGIME_READS: dict[RegimeId, Reads] = {
    RegimeId.CPNI: Reads(lines=frozenset({"voice", "voip", "wireless"}), cpni_notice=True),
    RegimeId.CCPA: Reads(states=frozenset({"CA"}), age=True, parental_consent=True, gpc=True),
    RegimeId.MAINE: Reads(states=frozenset({"ME"}), billing_states=frozenset({"ME"}), lines=frozenset({"broadband"})),
    RegimeId.NEVADA: Reads(states=frozenset({"NV"})),
    RegimeId.FCRA: Reads(),
    RegimeId.CAN_SPAM: Reads(),
    RegimeId.TCPA: Reads(),
    RegimeId.COPPA: Reads(age=True, parental_consent=True),
    RegimeId.CABLE: Reads(lines=frozenset({"cable"})),
}


def reads_of(regime: Regime) -> Reads:
    return REGIME_READS.get(regime.id, EVERYTHING)


def probe_facts(reads: Reads) -> Iterator[SubjectFacts]:
    """Facts covering every class of every fact `reads` declares (the others left at their defaults)."""
    lines = sorted(reads.lines)
    line_sets = [frozenset(c) for n in range(len(lines) + 1) for c in combinations(lines, n)]
    states = [None, *sorted(reads.states)]
    billing = [None, "__", *sorted(reads.billing_states)] if reads.billing_states else [None]
    ages = PROBE_AGES if reads.age else (None,)
    flags = (False, True)
    notices = (None, PROBE_NOTICE) if reads.cpni_notice else (None,)
    for state, bill, age, line_set, parental, gpc, notice in product(
        states,
        billing,
        ages,
        line_sets,
        flags if reads.parental_consent else (False,),
        flags if reads.gpc else (False,),
        notices,
    ):
        yield SubjectFacts(
            state=state,
            billing_state=bill,
            age=age,
            service_lines=line_set,
            parental_consent=parental,
            gpc=gpc,
            cpni_notice_sent_at=notice,
        )


def active_regimes(use: Use) -> tuple[Regime, ...]:
    """The regimes that put a floor under `use` for some person (found by probing every declared class)."""
    return tuple(r for r in REGIMES if r.id not in REGIME_READS or any(r.floors(use, f) for f in probe_facts(reads_of(r))))


def project(facts: SubjectFacts, reads: Reads) -> SubjectFacts:
    """The same person as seen by a regime that reads only `reads`: every other fact set to a neutral value."""
    state = facts.state if facts.state in reads.states else None
    billing = facts.billing_state
    if billing is not None and billing not in reads.billing_states:
        billing = "__"
    return replace(
        facts,
        state=state,
        billing_state=billing,
        age=facts.age if reads.age else None,
        service_lines=facts.service_lines & reads.lines,
        parental_consent=facts.parental_consent and reads.parental_consent,
        gpc=facts.gpc and reads.gpc,
        cpni_notice_sent_at=facts.cpni_notice_sent_at if reads.cpni_notice else None,
        cpni_notice_mailed=facts.cpni_notice_mailed and reads.cpni_notice,
        account_type=None,
        account_status=None,
        subjects=frozenset(),
        choices={},
        person_id=None,
        collected_under=None,
        accepted_versions=frozenset(),
    )
