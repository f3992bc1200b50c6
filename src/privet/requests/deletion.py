"""Deletion: find, plan, then erase table by table, resumably and exactly once.

1. Plan (one privet transaction): walk the systems for the person's rows, decide per row what
   the law or a hold keeps, and store for each table the exact new values of every row to
   erase, grouped by identical values. Nothing is touched in the systems yet.
2. Apply: for each table, children before parents, write the stored plan in one transaction
   of that system, then mark the table done in privet.

A stop anywhere resumes at the first table not done. If the stop fell between a system's
commit and privet's mark, the same stored values are written again, which changes nothing: a
hash is never hashed twice and a row is never erased twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select

from privet.legal.holds import active_holds
from privet.legal.tables import Hold
from privet.requests.datasets.graph import Node
from privet.requests.datasets.model import Table
from privet.requests.datasets.registry import Registry
from privet.requests.erase import row_changes
from privet.requests.kinds import RequestError, Status
from privet.requests.lifecycle import get_request, move
from privet.requests.package import person_seeds
from privet.requests.retention import KeepRules, Kept, kept_columns
from privet.requests.tables import DataRequest, RequestTask
from privet.requests.traverse import find_rows
from privet.store.uow import UnitOfWork
from privet.subjects.service import get_person
from privet.subjects.tables import Person

UowFactory = Callable[[], UnitOfWork]
Checkpoint = Callable[[str], None]


def person_holds(uow: UnitOfWork, person: Person) -> list[Hold]:
    """Active holds on the person or on any account they belong to."""
    now = uow.now()
    holds = {h.id: h for h in active_holds(uow, now, person_id=person.id)}
    for role in person.roles:
        holds.update({h.id: h for h in active_holds(uow, now, account_number=role.account.number)})
    return [holds[i] for i in sorted(holds)]


def _kept_summary(kept_rows: dict[tuple[Any, ...], list[Any]]) -> list[dict[str, Any]]:
    out = []
    for (basis, cite, reason, columns), untils in sorted(kept_rows.items(), key=lambda kv: repr(kv[0])):
        dated = [u for u in untils if u is not None]
        out.append(
            {
                "basis": basis,
                "cite": cite,
                "reason": reason,
                "columns": list(columns) if columns is not None else None,
                "rows": len(untils),
                "until": max(dated).isoformat() if dated and len(dated) == len(untils) else None,
            }
        )
    return out


def _plan_table(table: Table, rows: dict[Any, dict[str, Any]], rules: KeepRules, key: bytes) -> tuple[list[Any], list[Any]]:
    groups: dict[str, dict[str, Any]] = {}
    kept_rows: dict[tuple[Any, ...], list[date | None]] = {}
    for row_key, row in rows.items():
        kept: list[Kept] = rules.kept(row)
        for k in kept:
            cols = tuple(sorted(k.columns)) if k.columns is not None else None
            kept_rows.setdefault((k.basis, k.cite, k.reason, cols), []).append(k.until)
        changes = row_changes(table, row, kept_columns(kept, table.columns), key)
        if changes:
            marker = repr(sorted(changes.items()))
            groups.setdefault(marker, {"set": changes, "keys": []})["keys"].append(list(row_key))
    return list(groups.values()), _kept_summary(kept_rows)


def plan(uow: UnitOfWork, registry: Registry | None, req: DataRequest) -> list[RequestTask]:
    """Find the person's rows and store what each table will get; nothing is erased here."""
    move(uow, req, Status.IN_PROGRESS)
    person = get_person(uow, req.person_id)
    holds = person_holds(uow, person)
    tasks: list[RequestTask] = []
    if registry is not None:
        found = find_rows(registry, person_seeds(person))
        active = any(r.account.status == "active" for r in person.roles)
        for position, node in enumerate(reversed(registry.graph.order)):
            rows = found.rows.get(node)
            if not rows:
                continue
            table = registry.table(node)
            rules = KeepRules(node.dataset, node.table, table, holds, active_account=active, now=uow.now())
            groups, kept = _plan_table(table, rows, rules, registry.erasure_key(node.dataset))
            task = RequestTask(
                request_id=req.id,
                position=position,
                dataset=node.dataset,
                table_name=node.table,
                phase="planned",
                plan=groups,
                kept=kept,
                erased_rows=0,
                updated_at=uow.now(),
            )
            uow.session.add(task)
            tasks.append(task)
    uow.session.flush()
    uow.record(
        "request.deletion_planned",
        f"request:{req.id}",
        tables=[f"{t.dataset}.{t.table_name}" for t in tasks],
        rows=sum(len(g["keys"]) for t in tasks for g in t.plan or []),
        holds=[h.id for h in holds],
    )
    return tasks


def apply(new_uow: UowFactory, registry: Registry | None, request_id: int, checkpoint: Checkpoint | None = None) -> None:
    """Write every planned table not yet done; each table is marked done only after its system committed."""
    with new_uow() as uow:
        pending = [
            (t.id, t.dataset, t.table_name, t.plan or [])
            for t in uow.session.scalars(
                select(RequestTask)
                .where(RequestTask.request_id == request_id, RequestTask.phase != "done")
                .order_by(RequestTask.position)
            )
        ]
    for task_id, dataset, table_name, groups in pending:
        changes = [(tuple(k), g["set"]) for g in groups for k in g["keys"]]
        if changes:
            if registry is None or dataset not in registry.declarations:
                raise RequestError(f"dataset {dataset} is no longer declared; declare it again to finish request {request_id}")
            table = registry.table(Node(dataset, table_name))
            registry.connector(dataset).update(table_name, table.primary_key, changes)
        if checkpoint is not None:
            checkpoint(f"{dataset}.{table_name}")
        with new_uow() as uow:
            task = uow.session.get(RequestTask, task_id)
            assert task is not None
            task.phase = "done"
            task.erased_rows = len(changes)
            task.plan = None
            task.updated_at = uow.now()
            uow.record("request.table_erased", f"request:{request_id}", table=f"{dataset}.{table_name}", rows=len(changes))


def run_deletion(
    new_uow: UowFactory, registry: Registry | None, request_id: int, checkpoint: Checkpoint | None = None
) -> list[RequestTask]:
    """Plan (unless a previous run did) and apply; returns the tasks, all done."""
    with new_uow() as uow:
        req = get_request(uow, request_id, lock=True)
        if req.status == Status.VERIFIED.value:
            plan(uow, registry, req)
        elif req.status != Status.IN_PROGRESS.value:
            raise RequestError(f"request {request_id} is {req.status}; only a verified or interrupted deletion runs")
    apply(new_uow, registry, request_id, checkpoint)
    with new_uow() as uow:
        return list(
            uow.session.scalars(select(RequestTask).where(RequestTask.request_id == request_id).order_by(RequestTask.position))
        )
