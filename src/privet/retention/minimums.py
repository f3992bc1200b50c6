"""The law's minimum keeping periods, and date arithmetic on policy periods. Pure.

A pack may promise to delete sooner than the law allows; the law wins (RET-01): toll records
are kept 18 months (47 CFR 42.6), CPNI approval, notice and campaign records one year
(64.2007-.2009), breach records two years (64.2011), privacy-request records 24 months
(11 CCR 7101). A record's minimum comes from its declared record type, from the categories it
holds, and from the rule's own `legal_minimum`; the longest wins, counted from when the record
was made (its collection time when the dataset knows it).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta

from privet.policy.model import Period
from privet.policy.taxonomy import is_within
from privet.regimes.calendar import add_business_days


@dataclass(frozen=True)
class Minimum:
    period: Period
    basis: str
    rule: str


def _p(text: str) -> Period:
    return Period.parse(text)


RECORD_TYPES: dict[str, Minimum] = {
    "toll_records": Minimum(_p("18 months"), "47 CFR 42.6", "RET-01"),
    "cpni_approvals": Minimum(_p("1 year"), "47 CFR 64.2007(a)(3)", "CPNI-10"),
    "cpni_notices": Minimum(_p("1 year"), "47 CFR 64.2008(a)(2)", "CPNI-11"),
    "cpni_campaigns": Minimum(_p("1 year"), "47 CFR 64.2009(c), (d)", "CPNI-12"),
    "breach_records": Minimum(_p("2 years"), "47 CFR 64.2011(d)", "CPNI-26"),
    "privacy_requests": Minimum(_p("24 months"), "11 CCR 7101", "CCPA request records"),
    "dnc_records": Minimum(_p("5 years"), "47 CFR 64.1200(d)(6)", "TCPA do-not-call"),
    "fcra_opt_outs": Minimum(_p("5 years"), "16 CFR 680.25", "FCRA affiliate opt-out"),
    "csam_reports": Minimum(_p("1 year"), "18 U.S.C. 2258A(h)", "CSAM-01"),
}
CATEGORY_TYPES: tuple[tuple[str, str], ...] = (
    ("user.telecom.cpni.call_detail", "toll_records"),
    ("user.telecom.cpni.billing", "toll_records"),
)


def add_period(start: datetime, period: Period, sign: int = 1) -> datetime:
    """`start` plus (or, with sign -1, minus) `period`; months and years are calendar months (31 Jan + 1 month = 28 or 29 Feb)."""
    count = period.count * sign
    if period.unit == "day":
        return start + timedelta(days=count)
    if period.unit == "week":
        return start + timedelta(weeks=count)
    if period.unit == "business_day":
        day = add_business_days(start, count)
        return start.replace(year=day.year, month=day.month, day=day.day)
    months = count * (12 if period.unit == "year" else 1)
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return start.replace(year=year, month=month, day=min(start.day, calendar.monthrange(year, month)[1]))


def minimums_for(
    categories: frozenset[str], record_type: str | None, rule_minimum: Period | None, rule_basis: str | None
) -> list[Minimum]:
    """Every minimum that applies to a record holding `categories`."""
    found: list[Minimum] = []
    if record_type and record_type in RECORD_TYPES:
        found.append(RECORD_TYPES[record_type])
    for prefix, kind in CATEGORY_TYPES:
        if any(is_within(c, prefix) for c in categories) and RECORD_TYPES[kind] not in found:
            found.append(RECORD_TYPES[kind])
    if rule_minimum is not None:
        found.append(Minimum(rule_minimum, rule_basis or "the pack's legal minimum", "pack"))
    return found


def kept_until(made_at: datetime, minimums: list[Minimum]) -> tuple[datetime, Minimum] | None:
    """The latest end of the minimums that apply, and which one; None when none applies."""
    ends = [(add_period(made_at, m.period), m) for m in minimums]
    return max(ends, key=lambda e: e[0]) if ends else None
