"""CPNI breach deadlines under 47 CFR 64.2011, both versions. Pure: dates in, dates out.

The rule in force (2007): report to the USSS and FBI within 7 business days of reasonably
determining the breach; tell customers no earlier than after 7 *full* business days have passed
since that report, unless the carrier consulted the agency about an extraordinarily urgent need,
and never while an agency has directed it to wait (CPNI-24, CPNI-25). No outer limit for
customers is set.

The December 2023 amendments (FCC 23-111) are adopted but not effective; privet applies them
only when `PRIVET_CPNI_BREACH_RULES_2023` is on. Then the FCC is told as well, within the same
7 business days, unless fewer than 500 customers are affected and no harm is reasonably likely
(the annual summary due 1 February); customers are told after the agencies and within 30 days of
determination, unless no harm is reasonably likely or only encrypted data with a safe key was
taken (CPNI-27, CPNI-28).

Business days are counted on the US federal calendar (`privet.regimes.calendar`), so weekends
and observed federal holidays move every date the same way.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, timedelta

from privet.regimes.calendar import add_business_days

REPORT_WITHIN = 7
WAIT_AFTER_REPORT = 7
CUSTOMER_OUTER_2023 = timedelta(days=30)
SMALL_BREACH = 500
INITIAL_HOLD_MAX = timedelta(days=30)
NO_NOTICE_HARMS = ("no_harm_reasonably_likely", "encrypted_only_key_safe")
_TRUE = {"1", "true", "yes", "on"}


def rules_2023_enabled() -> bool:
    """The 2023 amendments apply only when the operator turns them on (they await an effective date)."""
    return os.environ.get("PRIVET_CPNI_BREACH_RULES_2023", "").strip().lower() in _TRUE


@dataclass(frozen=True)
class BreachFacts:
    rule: str  # "2007" | "2023"
    determined_on: date
    reported_on: date | None = None
    affected_count: int | None = None
    harm: str | None = None
    urgent_consulted_on: date | None = None
    hold_until: date | None = None  # customers may be told from this date (agency direction)
    customers_notified_on: date | None = None


@dataclass(frozen=True)
class BreachDates:
    report_to: tuple[str, ...]
    report_due: date
    report_is_annual_summary: bool
    earliest_customer_notice: date | None  # None: no customer notice is due
    customer_notice_due: date | None  # outer limit (2023 rule only)
    earliest_is_projected: bool  # computed from the report deadline because no report is recorded yet
    customer_notice_required: bool
    reasons: tuple[str, ...]


def wait_ends(reported_on: date) -> date:
    """The first day customers may be told: the day after the seventh full business day after the report."""
    return add_business_days(reported_on, WAIT_AFTER_REPORT) + timedelta(days=1)


def compute(facts: BreachFacts) -> BreachDates:
    if facts.rule == "2023":
        return _compute_2023(facts)
    return _compute_2007(facts)


def _compute_2007(f: BreachFacts) -> BreachDates:
    due = add_business_days(f.determined_on, REPORT_WITHIN)
    report = f.reported_on or due
    earliest = wait_ends(report)
    reasons = [f"report to USSS and FBI by {due} (7 business days after determination, 64.2011(b))"]
    reasons.append(f"customers not before {earliest}: 7 full business days after the report of {report} (64.2011(b)(1))")
    if f.urgent_consulted_on is not None and f.urgent_consulted_on >= report:
        earliest = f.urgent_consulted_on
        reasons.append(f"urgent need: the agency was consulted on {f.urgent_consulted_on} (64.2011(b)(2))")
    if f.hold_until is not None and f.hold_until > earliest:
        earliest = f.hold_until
        reasons.append(f"an agency directed the carrier to wait until {f.hold_until} (64.2011(b)(3))")
    return BreachDates(("USSS", "FBI"), due, False, earliest, None, f.reported_on is None, True, tuple(reasons))


def _compute_2023(f: BreachFacts) -> BreachDates:
    small = f.affected_count is not None and f.affected_count < SMALL_BREACH and f.harm == "no_harm_reasonably_likely"
    if small:
        due = date(f.determined_on.year + 1, 2, 1)
        reasons = [f"fewer than {SMALL_BREACH} customers and no harm reasonably likely: in the annual summary due {due}"]
    else:
        due = add_business_days(f.determined_on, REPORT_WITHIN)
        reasons = [f"report to FCC, USSS and FBI by {due} (7 business days after determination)"]
    if f.harm in NO_NOTICE_HARMS:
        reasons.append(f"no customer notice: {f.harm.replace('_', ' ')} (recorded with its rationale)")
        return BreachDates(("FCC", "USSS", "FBI"), due, small, None, None, False, False, tuple(reasons))
    report = f.reported_on or due
    earliest = report
    outer = f.determined_on + CUSTOMER_OUTER_2023
    reasons.append(f"customers after the agencies are told ({report}) and by {outer} (30 days after determination)")
    if f.hold_until is not None and f.hold_until > earliest:
        earliest = f.hold_until
        outer = max(outer, f.hold_until)
        reasons.append(f"an agency directed the carrier to wait until {f.hold_until}")
    return BreachDates(("FCC", "USSS", "FBI"), due, small, earliest, outer, f.reported_on is None, True, tuple(reasons))


def check_hold(directed_on: date, until: date, kind: str) -> None:
    """An initial agency direction may delay customers at most 30 days; an extension must move the date later."""
    if until <= directed_on:
        raise ValueError("until: the hold must end after the day it was directed")
    if kind == "initial" and until - directed_on > INITIAL_HOLD_MAX:
        raise ValueError("until: an initial agency hold lasts at most 30 days; record an extension for more")
