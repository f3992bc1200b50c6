"""Business days on the US federal calendar (plus a state's holidays when one is named).

Legal deadlines in privet ("within 10 business days", "7 business days after determination")
are counted here and nowhere else, on the `holidays` package's calendars, so weekends and
observed federal holidays are handled the same way by every workflow.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _calendar(state: str | None, year: int) -> frozenset[date]:
    cal = holidays.country_holidays("US", subdiv=state, years=range(year - 1, year + 3), observed=True)
    return frozenset(cal.keys())


def is_business_day(day: date, state: str | None = None) -> bool:
    return day.weekday() < 5 and day not in _calendar(state, day.year)


def add_business_days(start: date | datetime, count: int, state: str | None = None) -> date:
    """The date `count` business days after `start` (the start day itself does not count)."""
    day = start.date() if isinstance(start, datetime) else start
    step = 1 if count >= 0 else -1
    remaining = abs(count)
    while remaining:
        day += timedelta(days=step)
        if is_business_day(day, state):
            remaining -= 1
    return day


def business_days_between(start: date, end: date, state: str | None = None) -> int:
    """Business days after `start` up to and including `end` (0 when end <= start)."""
    if end <= start:
        return 0
    return sum(1 for n in range(1, (end - start).days + 1) if is_business_day(start + timedelta(days=n), state))
