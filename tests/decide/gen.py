"""Hypothesis strategies for bulk-versus-single tests: packs, campaigns, people, all near the boundaries that matter.

Values are drawn next to every edge a decision has: ages one day either side of each cut,
choices effective one second either side of the campaign, CPNI notices exactly 30 and 33 days
before it, service lines ending the day before, on, or after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from privet.decide.bulk_population import LINES, OPEN_ENDED, choice_at_column, choice_column, line_column
from privet.decide.decider import Decider
from privet.decide.engine import Request
from privet.policy.load import load_pack_or_raise
from privet.policy.model import Basis, Conditions, PolicyPack, Rule
from tests.conftest import POLICIES

BASE_AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
STATES = (None, "CA", "ME", "NV", "TX", "NY")
SUBJECTS = ("customer", "customer.residential", "customer.business", "former_customer", "child", "prospect", "visitor")
OWN_KINDS = ("prospect", "prospect.web", "visitor", "referred_friend", "customer", "event_participant")
PACKS = ("000-metronet", "001-mettel", "002-metrofax", "003-mtusa", "004-county-micro")


@cache
def pack_at(relative: str) -> PolicyPack:
    return load_pack_or_raise(POLICIES / relative)


@cache
def metrofax_decider() -> Decider:
    """Seed 002 with its next version in force: older data stays under 2013-12 (version pinning)."""
    return Decider(pack_at("002-metrofax/next"), [pack_at("002-metrofax")])


@dataclass(frozen=True)
class World:
    decider: Decider
    request: Request
    at: datetime

    @property
    def versions(self) -> list[str]:
        return sorted(self.decider.versions)


def _ancestors(key: str) -> list[str]:
    parts = key.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


@st.composite
def conditions(draw: st.DrawFn) -> Conditions:
    def maybe(strategy: st.SearchStrategy[Any]) -> Any:
        return draw(st.one_of(st.just([]), strategy))

    low = draw(st.one_of(st.none(), st.integers(0, 30)))
    high = draw(st.one_of(st.none(), st.integers(low or 0, 40)))
    return Conditions(
        jurisdictions=maybe(st.lists(st.sampled_from(["CA", "ME", "NV", "TX"]), min_size=1, max_size=2, unique=True)),
        not_jurisdictions=maybe(st.lists(st.sampled_from(["CA", "ME", "NY"]), min_size=1, max_size=2, unique=True)),
        min_age=low,
        max_age=high,
        account_types=maybe(
            st.lists(st.sampled_from(["residential", "business", "government"]), min_size=1, max_size=2, unique=True)
        ),
        account_statuses=maybe(
            st.lists(st.sampled_from(["active", "suspended", "disconnected"]), min_size=1, max_size=2, unique=True)
        ),
        service_lines=maybe(st.lists(st.sampled_from(list(LINES)), min_size=1, max_size=3, unique=True)),
        subjects=maybe(st.lists(st.sampled_from(SUBJECTS), min_size=1, max_size=2, unique=True)),
    )


@st.composite
def generated_rules(draw: st.DrawFn, pack: PolicyPack, request: Request) -> list[Rule]:
    """Rules aimed at the campaign (so several compete for it), in the pack's own vocabulary."""
    recipients = [r.id for r in pack.recipients]
    rules = []
    for i in range(draw(st.integers(1, 8))):
        category = draw(st.sampled_from(request.categories))
        basis = draw(st.sampled_from(list(Basis)))
        choice = (
            draw(st.sampled_from([c.id for c in pack.choices]))
            if basis in (Basis.UNLESS_OPTED_OUT, Basis.ONLY_WITH_OPT_IN)
            else None
        )
        rules.append(
            Rule(
                id=f"gen-{i}",
                categories=[draw(st.sampled_from(_ancestors(category)))],
                purpose=draw(st.sampled_from(_ancestors(request.purpose))),
                recipient=draw(st.sampled_from([request.recipient, request.recipient, *recipients])),
                basis=basis,
                choice=choice,
                when=draw(st.one_of(st.just(Conditions()), conditions())),
            )
        )
    return rules


@st.composite
def worlds(draw: st.DrawFn, *, generated: bool = True) -> World:
    """A policy (a bundled pack, or one with generated rules), a campaign and its moment."""
    name = draw(st.sampled_from(PACKS))
    pinned = name == "002-metrofax" and draw(st.booleans())
    decider = metrofax_decider() if pinned else Decider(pack_at(name))
    pack = decider.current.pack
    rule = draw(st.sampled_from(pack.rules))
    cats = draw(st.lists(st.sampled_from(rule.categories), min_size=1, max_size=3, unique=True))
    other = draw(st.sampled_from(pack.rules))
    if draw(st.booleans()):
        cats = list(dict.fromkeys([*cats, other.categories[0]]))
    purpose = draw(st.sampled_from([rule.purpose, other.purpose, "marketing.communications.email", "third_party_sharing.sale"]))
    channel = draw(st.sampled_from([None, None, "email", "sms", "phone"]))
    request = Request(tuple(cats), purpose, rule.recipient, channel)
    if generated and not pinned and draw(st.booleans()):
        rules = draw(generated_rules(pack, request))
        decider = Decider(pack.model_copy(update={"rules": rules}))
    at = BASE_AT + timedelta(days=draw(st.integers(-3, 3)) * 97, seconds=draw(st.integers(0, 86_399)))
    return World(decider, request, at)


def birthday(day: date, age: int) -> date:
    """The day `age` years before `day` (28 February for a 29 February in a common year); written here, not imported."""
    return date(day.year - age, day.month, day.day if (day.month, day.day) != (2, 29) else 28)


def _near(at: datetime, seconds: int) -> datetime:
    return (at + timedelta(seconds=seconds)).astimezone(UTC).replace(tzinfo=None)


@st.composite
def people(draw: st.DrawFn, world: World, choice_ids: list[str], *, count: tuple[int, int] = (1, 15)) -> list[dict[str, Any]]:
    """Population rows (see privet.decide.bulk_population) around the world's moment."""
    at, day = world.at, world.at.date()
    rows = []
    for pid in range(1, draw(st.integers(*count)) + 1):
        birth: date | None = None
        if draw(st.booleans()):
            age = draw(st.sampled_from([5, 12, 13, 14, 15, 16, 17, 18, 30, *range(0, 41)]))
            birth = birthday(day, age) + timedelta(days=draw(st.sampled_from([-1, 0, 1, 100])))
        row: dict[str, Any] = {
            "person_id": pid,
            "state": draw(st.sampled_from(STATES)),
            "billing_state": draw(st.sampled_from(STATES)),
            "birth_date": birth,
            "age_band": draw(st.sampled_from([None, "under_13", "13_15", "16_17", "adult"])),
            "account_type": draw(st.sampled_from([None, "residential", "business", "government"])),
            "account_status": draw(st.sampled_from([None, "active", "suspended", "disconnected"])),
            "parental_consent": draw(st.booleans()),
            "gpc": draw(st.booleans()),
            "cpni_notice_at": draw(
                st.sampled_from(
                    [None, None, *(_near(at, -d * 86_400 + s) for d in (30, 33) for s in (-1, 0, 1)), _near(at, 86_400)]
                )
            ),
            "cpni_notice_mailed": draw(st.booleans()),
            "collected_under": draw(st.sampled_from([None, *world.versions, "1999-01"])),
            "accepted_versions": draw(st.sampled_from(["", *(f"|{v}|" for v in world.versions)])),
            "subject_kinds": "".join(f"|{k}|" for k in draw(st.lists(st.sampled_from(OWN_KINDS), max_size=2, unique=True))),
        }
        for kind in LINES:
            row[line_column(kind)] = draw(
                st.sampled_from([None, None, OPEN_ENDED, day - timedelta(days=1), day, day + timedelta(days=1)])
            )
        for cid in choice_ids:
            touched = draw(st.booleans())
            row[choice_column(cid)] = draw(st.booleans()) if touched else None
            row[choice_at_column(cid)] = _near(at, draw(st.sampled_from([-86_400, -1, 0, 1, 86_400]))) if touched else None
        rows.append(row)
    return rows


def all_choice_ids(decider: Decider) -> list[str]:
    """Every choice a decision may read: the packs' and the ones the law adds (engine.legal_choices)."""
    return sorted({cid for v in decider.versions.values() for cid in v.choices})


def pack_dir(name: str) -> Path:
    return POLICIES / name
