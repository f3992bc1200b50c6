"""privet's own records under retention: what privet keeps about authentications, campaigns, breaches and complaints.

privet's store holds personal data too, so the sweep applies a schedule to it: authentication
attempts and PINs go when they are no longer evidence anyone needs, campaign records after two
years (the law's minimum is one: CPNI-12), breach records two years after the breach is closed
(the minimum is two from the record: CPNI-26), complaints after two years. The minimums still
apply through the guard, so shortening a period here can never cut below the law. These tables
live in privet's database, so their deletions commit in the same transaction as their audit.
Other domains add their tables by appending a `(TableSpec, SweepRule)` pair to `SCHEDULE`.
"""

from __future__ import annotations

from privet.policy.model import Period
from privet.retention.plan import SweepRule
from privet.retention.sql import SqlTable, TableSpec
from privet.store.uow import UnitOfWork


def _entry(
    name: str,
    table: str,
    time: str,
    period: str,
    category: str,
    *,
    trigger: str = "collection",
    record_type: str | None = None,
    children: tuple[tuple[str, str], ...] = (),
    person: bool = True,
    made: str | None = None,
) -> tuple[TableSpec, SweepRule]:
    spec = TableSpec(
        name=f"privet.{name}",
        table=table,
        key="id",
        row_categories=(category,),
        person_id_column="person_id" if person else None,
        times={trigger: time, **({"collection": made} if made else {})},
        record_type=record_type,
        children=children,
    )
    rule = SweepRule(f"privet.{name}", "privet", (category,), "delete", trigger, Period.parse(period), datasets=(spec.name,))
    return spec, rule


SCHEDULE: list[tuple[TableSpec, SweepRule]] = [
    _entry("cpni-authentications", "cpni_authentications", "at", "2 years", "user.authorization"),
    _entry("cpni-pins", "cpni_pins", "sent_at", "30 days", "user.authorization.credentials"),
    _entry(
        "cpni-campaigns",
        "cpni_campaigns",
        "created_at",
        "2 years",
        "user.telecom.cpni",
        record_type="cpni_campaigns",
        person=False,
    ),
    _entry(
        "cpni-breaches",
        "cpni_breaches",
        "closed_at",
        "2 years",
        "user.telecom.cpni",
        trigger="purpose_fulfilled",
        record_type="breach_records",
        children=(("cpni_breach_holds", "breach_id"),),
        person=False,
        made="created_at",
    ),
    _entry("cpni-complaints", "cpni_complaints", "created_at", "2 years", "user.telecom.cpni"),
]


def store_datasets(uow: UnitOfWork) -> list[SqlTable]:
    """privet's own tables as datasets bound to this unit of work's session."""
    return [SqlTable(spec, session=uow.session) for spec, _ in SCHEDULE]


def store_rules() -> list[SweepRule]:
    return [rule for _, rule in SCHEDULE]
