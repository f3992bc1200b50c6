"""How fast a choice must take effect, and how long it lasts, by law.

Privet applies every opt-out at once; the ledger still records the legal maximum so an audit
can see each one was honoured inside it (CAN-SPAM and TCPA: 10 business days, CCPA: 15).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from privet.policy.model import Choice
from privet.policy.taxonomy import RegimeId
from privet.regimes.calendar import add_business_days

OPT_OUT_DEADLINES_BUSINESS_DAYS = {RegimeId.CAN_SPAM: 10, RegimeId.TCPA: 10, RegimeId.CCPA: 15, RegimeId.NEVADA: 15}
REASK_PAUSE = timedelta(days=365)  # CCPA-09 / CCPA-10: no new request to opt back in for 12 months


def legal_deadline(choice: Choice | None, received_at: datetime) -> datetime | None:
    """The latest moment the law allows this opt-out to take effect, or None when no law sets one."""
    if choice is None:
        return None
    days = OPT_OUT_DEADLINES_BUSINESS_DAYS.get(choice.regime) if choice.regime else None
    if choice.takes_effect_within is not None and choice.takes_effect_within.unit == "business_day":
        days = min(days or choice.takes_effect_within.count, choice.takes_effect_within.count)
    if days is None:
        return None
    return datetime.combine(add_business_days(received_at, days), time(23, 59, 59), tzinfo=UTC)


def reask_allowed_from(choice: Choice | None, opted_out_at: datetime) -> datetime | None:
    """When the provider may next ask the person to opt back in (CCPA), or None when no pause applies."""
    if choice is None or choice.regime is not RegimeId.CCPA:
        return None
    return opted_out_at + REASK_PAUSE
