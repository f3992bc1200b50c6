"""The byte encodings under the hashes: one text per value, one encoding per entry."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from enum import StrEnum

import pytest
from hypothesis import given
from hypothesis import strategies as st

from privet.audit.encoding import GENESIS_HASH, canonical_json, canonical_time, entry_hash

AT = datetime(2026, 3, 1, 9, 30, 0, 5, tzinfo=UTC)


class Channel(StrEnum):
    EMAIL = "email"


def test_canonical_json_sorts_keys_drops_whitespace_keeps_utf8() -> None:
    assert canonical_json({"b": 1, "a": [1, 2], "é": "ü"}) == '{"a":[1,2],"b":1,"é":"ü"}'


def test_canonical_json_normalizes_times_dates_and_enums() -> None:
    est = timezone(timedelta(hours=-5))
    data = {"at": datetime(2026, 3, 1, 4, 30, tzinfo=est), "on": date(2026, 3, 1), "channel": Channel.EMAIL}
    assert canonical_json(data) == '{"at":"2026-03-01T09:30:00.000000Z","channel":"email","on":"2026-03-01"}'


@pytest.mark.parametrize("bad", [{"x": float("nan")}, {"x": object()}, {"at": datetime(2026, 1, 1)}])
def test_canonical_json_refuses_values_without_one_text(bad: dict[str, object]) -> None:
    with pytest.raises((ValueError, TypeError)):
        canonical_json(bad)


def test_canonical_time_is_utc_with_microseconds() -> None:
    assert canonical_time(AT) == "2026-03-01T09:30:00.000005Z"
    assert canonical_time(AT.astimezone(timezone(timedelta(hours=9)))) == "2026-03-01T09:30:00.000005Z"
    with pytest.raises(ValueError):
        canonical_time(datetime(2026, 1, 1))


@given(
    st.dictionaries(
        st.text(),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(), lambda c: st.lists(c) | st.dictionaries(st.text(), c)
        ),
    )
)
def test_equal_data_has_equal_text_whatever_the_key_order(data: dict[str, object]) -> None:
    shuffled = dict(reversed(list(data.items())))
    assert canonical_json(shuffled) == canonical_json(data)


def _h(**overrides: object) -> str:
    fields: dict[str, object] = {
        "seq": 1,
        "at": AT,
        "actor": "a",
        "action": "b",
        "subject": "c",
        "data": "{}",
        "prev_hash": GENESIS_HASH,
    }
    fields.update(overrides)
    return entry_hash(**fields)  # type: ignore[arg-type]


def test_entry_hash_is_frozen() -> None:
    """Encoding v1 is fixed: entries written years ago must still verify, so any change here is a new version."""
    assert _h() == "3709eea03bfca90ca34586c9ee3b9b724334b5eb990f1502feb772cf708ed94e"
    assert (
        entry_hash(7, AT, "care:é", "consent.changed", None, '{"k":"ü"}', "f" * 64)
        == "7e74921846c708f5595b5fcb832223b931134be8b282372eabc522def26eb8ee"
    )


@given(
    st.datetimes(timezones=st.one_of(st.just(UTC), st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))))
)
def test_canonical_time_is_the_iso_text_of_the_utc_instant(value: datetime) -> None:
    instant = value.astimezone(UTC)
    assert canonical_time(value) == instant.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def test_entry_hash_frames_fields_unambiguously() -> None:
    assert _h(actor="ab", action="c") != _h(actor="a", action="bc")
    assert _h(subject=None) != _h(subject="")
    assert _h(seq=12, actor="3") != _h(seq=1, actor="23")


def test_entry_hash_binds_every_field() -> None:
    base = _h()
    changed = [
        _h(seq=2),
        _h(at=AT + timedelta(microseconds=1)),
        _h(actor="x"),
        _h(action="x"),
        _h(subject="x"),
        _h(data='{"a":1}'),
        _h(prev_hash="1" * 64),
    ]
    assert base not in changed
    assert len(set(changed)) == len(changed)
