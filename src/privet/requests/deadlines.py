"""Deadlines per regime, counted from the day a request is received.

CCPA (11 CCR 7021; 1798.130(a)(2)): confirm receipt of a know, access, delete or correct
request within 10 business days (California calendar), answer within 45 calendar days, and
extend once, to 90 days in all, with a notice sent within the first 45 days. An opt-out of
sale takes effect within 15 business days (7026(f)). Nevada (NRS 603A.345): 60 days, one
extension of up to 30 with notice. Shine the Light (1798.83): 30 days at the designated
address, 150 elsewhere, once per calendar year. A pack may promise faster, never slower:
the earlier of the law's date and the pack's `respond_within` wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from privet.policy.model import Period, Right
from privet.regimes.calendar import add_business_days
from privet.requests.kinds import ACKNOWLEDGED, Regime, RequestError, RequestKind
from privet.requests.retention import add_months

CA = "CA"
POLICY_DEFAULT_DAYS = 45  # when neither a law nor the pack sets a date, privet holds requests to CCPA's
COPPA_DAYS = 30  # a child's data found without parental consent is deleted within 30 days


@dataclass(frozen=True)
class Schedule:
    acknowledge_by: date | None
    respond_by: date
    extension_days: int | None  # how far one extension may move respond_by; None: no extension


def period_end(start: date, period: Period, state: str | None = None) -> date:
    if period.unit == "business_day":
        return add_business_days(start, period.count, state)
    if period.unit == "month":
        return add_months(start, period.count)
    if period.unit == "year":
        return add_months(start, 12 * period.count)
    return start + timedelta(days=period.count * (7 if period.unit == "week" else 1))


def schedule(regime: Regime, kind: RequestKind, received: datetime, right: Right | None, *, designated: bool = True) -> Schedule:
    day = received.date()
    ack: date | None = None
    extension: int | None = None
    if regime is Regime.CCPA and kind is RequestKind.OPT_OUT_OF_SALE:
        due = add_business_days(day, 15, CA)
    elif regime is Regime.CCPA:
        ack = add_business_days(day, 10, CA) if kind in ACKNOWLEDGED else None
        due, extension = day + timedelta(days=45), 45
    elif regime is Regime.NEVADA:
        due, extension = day + timedelta(days=60), 30
    elif regime is Regime.SHINE_THE_LIGHT:
        due = day + timedelta(days=30 if designated else 150)
    elif regime is Regime.COPPA:
        due = day + timedelta(days=COPPA_DAYS)
    else:
        due = day + timedelta(days=POLICY_DEFAULT_DAYS)
        if right is not None and right.extension is not None:
            extension = (period_end(day, right.extension) - day).days
    if right is not None and right.respond_within is not None and designated:  # the pack's promise is for its own channels
        due = min(due, period_end(day, right.respond_within, CA if regime is Regime.CCPA else None))
    if right is not None and right.extension is not None and extension is not None:
        extension = min(extension, (period_end(day, right.extension) - day).days)
    return Schedule(ack, due, extension)


def extended_date(received: datetime, respond_by: date, extension_days: int | None, at: datetime, already: date | None) -> date:
    """The new answer date for an extension noticed at `at`, or RequestError saying why there is none.

    One extension only (CCPA-03, NV-02), and its notice must go out no later than the original
    answer date ("within the first 45 days"); CCPA caps the total at 90 days from receipt.
    """
    if extension_days is None:
        raise RequestError("this request's regime allows no extension")
    if already is not None:
        raise RequestError(f"the request was already extended to {already.isoformat()}; only one extension is allowed")
    if at.date() > respond_by:
        raise RequestError(
            f"an extension must be noticed by {respond_by.isoformat()}, the original answer date; it is now {at.date().isoformat()}"
        )
    return respond_by + timedelta(days=extension_days)
