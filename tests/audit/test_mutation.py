"""Property: any change to any single field of any entry is detected, and the changed entry is named."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from privet.audit.verify import verify_chain
from tests.audit.conftest import row, set_entry

N = 15
TEXT = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=40)
HEX64 = st.text("0123456789abcdef", min_size=64, max_size=64)
VALUES: dict[str, st.SearchStrategy[Any]] = {
    "at": st.datetimes(timezones=st.just(UTC)).filter(lambda d: 1900 <= d.year <= 2200),
    "actor": TEXT,
    "action": TEXT,
    "subject": st.none() | TEXT,
    "data": TEXT,
    "prev_hash": HEX64,
    "hash": HEX64,
    "seq": st.integers(-1000, 0) | st.integers(N + 1, 10**12),
}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seq=st.integers(1, N), field=st.sampled_from(sorted(VALUES)), data=st.data())
def test_any_single_field_mutation_is_detected(chain: Engine, seq: int, field: str, data: st.DataObject) -> None:
    original = row(chain, seq)
    value = data.draw(VALUES[field], label="new value")
    assume(value != original[field])
    set_entry(chain, seq, **{field: value})
    try:
        problem = verify_chain(chain, batch_size=4).problem
        assert problem is not None
        # A row moved before seq 1 is named where it now lies; any other change is named where it was.
        assert problem.seq == (value if field == "seq" and value < 1 else seq), problem
    finally:
        set_entry(chain, value if field == "seq" else seq, **{field: original[field]})
    assert verify_chain(chain).ok
