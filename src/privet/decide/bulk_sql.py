"""The signature as one SQL expression, so the database groups and filters people and Python never loops over them.

Each fact becomes a small integer code with a CASE (a state named by a rule or regime, or
"other"; an age band from the birth date or the recorded band; whether a choice allows the use
at the campaign's moment, its default filling in when nothing is in effect); the codes are
packed into one integer
(`Signature.strides`). The same expression runs on SQLite, PostgreSQL and DuckDB: what differs
between a population table and the normalised store is only where each fact comes from, which
a `FactColumns` supplies.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    FromClause,
    Select,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    or_,
    select,
    true,
)

from privet.decide.bulk_signature import Signature

Expr = ColumnElement[Any]


@dataclass(frozen=True)
class FactColumns:
    """Where each fact of one person comes from, as SQL over `source` (one row per person)."""

    source: FromClause
    person_id: Expr
    state: Expr
    billing_state: Expr
    birth_date: Expr
    age_band: Expr
    account_type: Expr
    account_status: Expr
    parental_consent: Expr
    gpc: Expr
    cpni_notice_at: Expr
    cpni_notice_mailed: Expr
    collected_under: Expr
    line_code: Callable[[str], Expr]  # 1 when the person has the line at the campaign's moment, else 0
    choice_code: Callable[[str, Expr | None], Expr]  # see `choice_code` in bulk_population
    accepted: Callable[[str], Expr]  # true when the person accepted that policy version
    has_kind_within: Callable[[str], Expr]  # true when one of the person's own subject kinds is within that key
    date_value: Callable[[date], Expr]
    time_value: Callable[[datetime], Expr]


def flag(condition: Expr) -> Expr:
    """1 when true, else 0 (NULL counts as false). CASE, not CAST arithmetic: DuckDB runs it 2-3 times faster."""
    return case((condition, 1), else_=0)


def _lookup(expr: Expr, values: Sequence[str], first: int, *, null: int = 0, other: int = 0) -> Expr:
    """Code `first + i` for the i-th value, `null` for NULL, `other` for anything else."""
    whens = [(expr == v, first + i) for i, v in enumerate(values)]
    if null != other:
        whens.insert(0, (expr.is_(None), null))
    return case(*whens, else_=other) if whens else literal(other)


def codes(sig: Signature, cols: FactColumns) -> dict[str, Expr]:
    """One CASE expression per dimension of the signature."""
    out: dict[str, Expr] = {}
    for dim in sig.dims:
        name = dim.name
        if name == "governing":
            out[name] = _governing(sig, cols)
        elif name == "state":  # 0: none, or one no rule or regime names
            out[name] = _lookup(cols.state, sig.states, 1)
        elif name == "billing_state":  # 0: none, 1: one no regime names
            out[name] = _lookup(cols.billing_state, sig.billing_states, 2, other=1)
        elif name == "age":
            out[name] = _age(sig, cols)
        elif name == "account_type":  # 0: no account, 1: a type outside the vocabulary
            out[name] = _lookup(cols.account_type, sig.account_types, 2, other=1)
        elif name == "account_status":  # 0: none, or one outside the vocabulary
            out[name] = _lookup(cols.account_status, sig.account_statuses, 1)
        elif name.startswith("line:"):
            out[name] = cols.line_code(name.removeprefix("line:"))
        elif name == "parental_consent":
            out[name] = flag(cols.parental_consent)
        elif name == "gpc":
            out[name] = flag(cols.gpc)
        elif name == "cpni_notice":
            out[name] = _notice(sig, cols)
        elif name.startswith("choice:"):
            out[name] = cols.choice_code(name.removeprefix("choice:"), _fallback(sig, cols, name.removeprefix("choice:")))
        elif name.startswith("kind:"):
            out[name] = flag(cols.has_kind_within(name.removeprefix("kind:")))
        else:  # pragma: no cover - the dims are the signature's own
            raise ValueError(f"unknown signature dimension {name}")
    return out


def _fallback(sig: Signature, cols: FactColumns, cid: str) -> Expr | None:
    """What a choice resolves to when nothing is in effect (its default, or no under a GPC signal); None: keep three classes."""
    resolved = sig.choice_fallback.get(cid)
    if resolved is None:
        return None
    default, honours_gpc = resolved
    if honours_gpc and default:
        return case((cols.gpc, 0), else_=1)
    return literal(int(default))


def _governing(sig: Signature, cols: FactColumns) -> Expr:
    """Which loaded version governs the person's data (Decider.governing): 0 the current one."""
    current = sig.decider.current.version
    under = cols.collected_under
    loaded = sig.governing[1:-1]
    return case(
        (or_(under.is_(None), under == current, cols.accepted(current).is_(true())), 0),
        *((under == v, 1 + i) for i, v in enumerate(loaded)),
        else_=len(sig.governing) - 1,
    )


def _age(sig: Signature, cols: FactColumns) -> Expr:
    """The age band at the campaign's moment: from the birth date when known, else from the recorded band, else 0.

    From a birth date the code is 1 plus the number of cuts the person has reached: born after
    the day that makes them old enough for the youngest cut, code 1; and so on up.
    """
    by_birth = [(cols.birth_date > cols.date_value(cutoff), code - 1) for cutoff, code in sig.age_cutoffs()]
    from_birth = case(*by_birth, else_=len(sig.age_cuts) + 1) if by_birth else literal(1)
    bands = [(cols.age_band == band, sig.band_code(band)) for band in ("under_13", "13_15", "16_17", "adult")]
    return case((cols.birth_date.is_not(None), from_birth), *bands, else_=0)


def _notice(sig: Signature, cols: FactColumns) -> Expr:
    """0: no CPNI opt-out notice; 2: its waiting period has run by `at` (30 days, 33 when mailed); 1: not yet."""
    emailed, mailed = sig.notice_thresholds()
    sent = cols.cpni_notice_at
    was_mailed = func.coalesce(cols.cpni_notice_mailed, false()).is_(true())
    opened = or_(
        and_(was_mailed, sent <= cols.time_value(mailed)),
        and_(~was_mailed, sent <= cols.time_value(emailed)),
    )
    return case((sent.is_(None), 0), (opened, 2), else_=1)


def key_expression(sig: Signature, cols: FactColumns) -> Expr:
    """The packed signature: sum of code x stride, widened to BIGINT only when it needs to be."""
    wide = sig.size >= 2**31
    terms: list[Expr] = []
    for name, code in codes(sig, cols).items():
        stride = sig.strides[name]
        term = cast(code, BigInteger) if wide else code
        terms.append(term if stride == 1 else term * stride)
    if not terms:
        return literal(0)
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def keyed(sig: Signature, cols: FactColumns) -> FromClause:
    """(person_id, k) for everyone in the source."""
    return (
        select(cols.person_id.label("person_id"), key_expression(sig, cols).label("k")).select_from(cols.source).subquery("keyed")
    )


def counts_query(sig: Signature, cols: FactColumns) -> Select[Any]:
    """People per signature: the one pass over the population that counting needs."""
    inner = keyed(sig, cols)
    return select(inner.c.k, func.count().label("n")).group_by(inner.c.k)


def ids_query(
    sig: Signature, cols: FactColumns, allowed: Sequence[int], denied: Sequence[int], *, ordered: bool = True
) -> Select[Any]:
    """Eligible people: those whose signature was allowed (tested against the shorter of the two lists)."""
    inner = keyed(sig, cols)
    where = inner.c.k.in_(sorted(allowed)) if len(allowed) <= len(denied) else inner.c.k.not_in(sorted(denied))
    query = select(inner.c.person_id).where(where)
    return query.order_by(inner.c.person_id) if ordered else query
