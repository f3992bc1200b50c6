"""Synthetic subscribers for benchmarks and tests: a seeded population table, built with NumPy, millions of rows a second.

The mix is meant to look like a US provider's base rather than uniform noise, because the
number of distinct signatures (and so the work of an audience) depends on it: states by
population, billing mostly in the service state, a few per cent children and teenagers, one per
cent prospects and visitors without an account, the usual service bundles with some lines ended, a minority who ever touched each choice (opt-outs
mostly "no", opt-ins mostly "yes", a few dated after the campaign), CPNI notices for most,
and, when older policy versions are given, a quarter of people pinned to one of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl

from privet.decide.bulk_population import LINES, OPEN_ENDED, choice_at_column, choice_column, line_column
from privet.policy.model import Choice

STATE_WEIGHTS = {
    "CA": 39.5, "TX": 29.1, "FL": 21.5, "NY": 20.2, "PA": 13.0, "IL": 12.8, "OH": 11.8, "GA": 10.7, "NC": 10.4,
    "MI": 10.1, "NJ": 9.3, "VA": 8.6, "WA": 7.7, "AZ": 7.2, "MA": 7.0, "TN": 6.9, "IN": 6.8, "MD": 6.2, "MO": 6.2,
    "WI": 5.9, "CO": 5.8, "MN": 5.7, "SC": 5.1, "AL": 5.0, "LA": 4.7, "KY": 4.5, "OR": 4.2, "OK": 4.0, "CT": 3.6,
    "UT": 3.3, "IA": 3.2, "NV": 3.1, "AR": 3.0, "MS": 3.0, "KS": 2.9, "NM": 2.1, "NE": 2.0, "ID": 1.8, "WV": 1.8,
    "HI": 1.5, "NH": 1.4, "ME": 1.4, "RI": 1.1, "MT": 1.1, "DE": 1.0, "SD": 0.9, "ND": 0.8, "AK": 0.7, "DC": 0.7,
    "VT": 0.6, "WY": 0.6,
}  # fmt: skip
LINE_SHARE = {
    "broadband": 0.65, "voice": 0.30, "voip": 0.15, "wireless": 0.35, "fax": 0.03,
    "cable": 0.20, "email": 0.40, "hosting": 0.02, "managed_it": 0.01,
}  # fmt: skip
BANDS = ("under_13", "13_15", "16_17", "adult")


@dataclass(frozen=True)
class Mix:
    """The knobs of the population; the defaults are the benchmark's."""

    no_state: float = 0.02
    billing_same: float = 0.94
    billing_missing: float = 0.04
    birth_known: float = 0.80
    minors: float = 0.04
    no_account: float = 0.01
    line_ended: float = 0.10
    gpc: float = 0.03
    notice_sent: float = 0.60
    notice_mailed: float = 0.30
    choice_touched: float = 0.12
    pinned: float = 0.25
    accepted_newer: float = 0.30


def _pick(rng: np.random.Generator, n: int, values: Sequence[str], weights: Sequence[float]) -> pl.Series:
    p = np.asarray(weights, dtype=float)
    idx = rng.choice(len(values), size=n, p=p / p.sum()).astype(np.uint32)
    return _labels(values, idx)


def _labels(values: Sequence[str], idx: np.ndarray) -> pl.Series:
    """values[idx] as a string column (gathered in Polars, not through Python objects)."""
    return pl.Series(list(values), dtype=pl.String).gather(pl.Series(idx.astype(np.uint32)))


def _null_where(series: pl.Series, mask: np.ndarray) -> pl.Series:
    return pl.select(pl.when(pl.Series(mask)).then(None).otherwise(series)).to_series().rename(series.name)


def synthetic_population(
    n: int,
    *,
    seed: int,
    choices: Sequence[Choice],
    now: datetime,
    current_version: str | None = None,
    older_versions: Sequence[str] = (),
    mix: Mix = Mix(),
) -> pl.DataFrame:
    """`n` people (ids 1..n) with every column of the population table, for the choices given."""
    rng = np.random.default_rng(seed)
    today = np.datetime64(now.date(), "D")
    now_us = np.datetime64(now.astimezone(UTC).replace(tzinfo=None), "us")
    cols: dict[str, Any] = {"person_id": np.arange(1, n + 1, dtype=np.int64)}

    states = list(STATE_WEIGHTS)
    state = _pick(rng, n, states, list(STATE_WEIGHTS.values()))
    cols["state"] = _null_where(state, rng.random(n) < mix.no_state)
    u = rng.random(n)
    other = _pick(rng, n, states, [1.0] * len(states))
    billing = pl.select(pl.when(pl.Series(u < mix.billing_same)).then(cols["state"]).otherwise(other)).to_series()
    cols["billing_state"] = _null_where(billing, u > 1 - mix.billing_missing)

    minor = rng.random(n) < mix.minors
    age = np.where(minor, rng.integers(0, 18, n), rng.integers(18, 91, n))
    birth = today - (age * 365.25 + rng.integers(0, 365, n)).astype("timedelta64[D]")
    known = rng.random(n) < mix.birth_known
    cols["birth_date"] = pl.Series(birth).cast(pl.Date)
    cols["birth_date"] = _null_where(cols["birth_date"], ~known)
    band_idx = np.select([age < 13, age < 16, age < 18], [0, 1, 2], 3)
    band = _labels(BANDS, band_idx)
    cols["age_band"] = _null_where(band, known | (rng.random(n) < 0.2))

    no_account = rng.random(n) < mix.no_account
    cols["account_type"] = _null_where(_pick(rng, n, ["residential", "business", "government"], [85, 12, 2]), no_account)
    cols["account_status"] = _null_where(_pick(rng, n, ["active", "suspended", "disconnected"], [88, 4, 8]), no_account)

    u = rng.random(n)
    kinds = np.where(no_account, np.where(u < 0.7, 1, 2), np.where(u < 0.02, 3, 0))
    cols["subject_kinds"] = _labels(["", "|prospect|", "|visitor|", "|referred_friend|"], kinds)
    cols["parental_consent"] = (age < 13) & (rng.random(n) < 0.4)
    cols["gpc"] = rng.random(n) < mix.gpc
    sent = now_us - rng.integers(0, 730 * 86_400, n).astype("timedelta64[s]")
    cols["cpni_notice_at"] = _null_where(pl.Series(sent), rng.random(n) >= mix.notice_sent)
    cols["cpni_notice_mailed"] = rng.random(n) < mix.notice_mailed

    versions = [current_version, *older_versions] if current_version else []
    if older_versions and current_version:
        pinned = rng.random(n) < mix.pinned
        which = rng.integers(1, len(versions), n)
        under = _labels(versions, np.where(pinned, which, 0))
        cols["collected_under"] = under
        accepted = pinned & (rng.random(n) < mix.accepted_newer)
        cols["accepted_versions"] = pl.Series(np.where(accepted, f"|{current_version}|", ""))
    else:
        cols["collected_under"] = pl.Series([current_version] * n if current_version else [None] * n, dtype=pl.String)
        cols["accepted_versions"] = pl.Series([""] * n)

    for kind in LINES:
        has = rng.random(n) < LINE_SHARE[kind]
        ended = rng.random(n) < mix.line_ended
        end = np.where(ended, today - rng.integers(1, 1095, n).astype("timedelta64[D]"), np.datetime64(OPEN_ENDED, "D"))
        cols[line_column(kind)] = _null_where(pl.Series(end).cast(pl.Date), ~has)

    for choice in choices:
        touched = rng.random(n) < mix.choice_touched
        yes_share = {"opt_out": 0.2, "opt_in": 0.7}.get(choice.kind, 0.5)
        cols[choice_column(choice.id)] = _null_where(pl.Series(rng.random(n) < yes_share), ~touched)
        since = now_us - rng.integers(-30 * 86_400, 1095 * 86_400, n).astype("timedelta64[s]")
        cols[choice_at_column(choice.id)] = _null_where(pl.Series(since).cast(pl.Datetime("us")), ~touched)

    frame = pl.DataFrame({k: (v if isinstance(v, pl.Series) else pl.Series(v)) for k, v in cols.items()})
    return frame.with_columns(pl.col("cpni_notice_at").cast(pl.Datetime("us")))


def default_now() -> datetime:
    """A fixed moment for reproducible populations (times are generated relative to it)."""
    return datetime(2026, 6, 1, 12, tzinfo=UTC) - timedelta(0)
