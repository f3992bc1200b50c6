"""Carrying out a verified request, and answering it.

Access and know read every declared system; deletion erases (see `deletion.py`); correction
writes the accurate value into every column declared with the category; opt-out records the
choice in the consent ledger; Shine the Light reads the disclosure records of the prior
calendar year. Each ends by closing the request with its response summary and the notice.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from privet.consent.ledger import record_choice
from privet.legal.disclosures import disclosures_between
from privet.legal.tables import Disclosure
from privet.policy.model import PolicyPack
from privet.requests.correction import apply_corrections
from privet.requests.datasets.registry import Registry
from privet.requests.deletion import Checkpoint, UowFactory, run_deletion
from privet.requests.explain import Explainer
from privet.requests.fanout import fan_out
from privet.requests.kinds import RequestError, RequestKind, Status
from privet.requests.lifecycle import close, get_request
from privet.requests.package import PackageBuilder, disclosure_items, person_seeds
from privet.requests.shine import shine_the_light_answer
from privet.requests.tables import DataRequest, DeletionFanout
from privet.requests.traverse import Found, find_rows
from privet.store.uow import UnitOfWork
from privet.subjects.service import get_person

LOOK_BACK = timedelta(days=365)  # CCPA-13: the 12 months before the request, by default
PRIVET_KEPT = [
    {
        "basis": "consent_records",
        "cite": "47 CFR 64.2007(a)(3); Cal. Civ. Code 1798.105(d)(8)",
        "reason": "records of your choices are kept so they stay honoured",
        "where": "privet consent ledger",
    },
    {
        "basis": "request_records",
        "cite": "11 CCR 7101; 7022(e)",
        "reason": "the record of this request is kept 24 months, to keep your data deleted and for nothing else",
        "where": "privet request records",
    },
]


@dataclass
class Result:
    request_id: int
    status: str
    response: dict[str, Any]
    package: dict[str, Any] | None = None


# Answering these means searching the provider's own systems: without their declarations an
# answer would cover only what privet holds, and look complete when it is not.
NEEDS_SYSTEMS = frozenset({RequestKind.ACCESS, RequestKind.KNOW, RequestKind.CORRECT, RequestKind.DELETE})


class SystemsNotDeclared(RequestError):
    """The request needs the provider's systems searched and no dataset declarations are configured."""


def execute(
    new_uow: UowFactory, pack: PolicyPack, registry: Registry | None, request_id: int, checkpoint: Checkpoint | None = None
) -> Result:
    with new_uow() as uow:
        req = get_request(uow, request_id)
        kind, status = RequestKind(req.kind), Status(req.status)
    if registry is None and kind in NEEDS_SYSTEMS:
        raise SystemsNotDeclared(
            f"request {request_id} ({kind.value}) needs the provider's systems searched, and no dataset declarations "
            "are configured (PRIVET_DATASETS); declare them and execute again"
        )
    if status is Status.RECEIVED:
        raise RequestError(f"request {request_id} is not verified yet; verify it first")
    if status not in (Status.VERIFIED, Status.IN_PROGRESS) or (status is Status.IN_PROGRESS and kind is not RequestKind.DELETE):
        raise RequestError(f"request {request_id} is {status.value}; there is nothing to execute")
    package = None
    if kind is RequestKind.DELETE:
        tasks = run_deletion(new_uow, registry, request_id, checkpoint)
        with new_uow() as uow:
            finish_deletion(uow, pack, get_request(uow, request_id, lock=True), tasks)
    else:
        with new_uow() as uow:
            req = get_request(uow, request_id)
            package = _run(uow, pack, registry, req, kind)
    with new_uow() as uow:
        req = get_request(uow, request_id)
        return Result(req.id, req.status, dict(req.response), package)


def _run(
    uow: UnitOfWork, pack: PolicyPack, registry: Registry | None, req: DataRequest, kind: RequestKind
) -> dict[str, Any] | None:
    if kind is RequestKind.ACCESS:
        package = access_package(uow, pack, registry, req)
        digest = hashlib.sha256(json.dumps(package, sort_keys=True, default=str).encode()).hexdigest()
        summary = {
            "outcome": "fulfilled",
            "records": {f"{r['dataset']}.{r['table']}": len(r["rows"]) for r in package["records"]},
            "categories": [c["key"] for c in package["categories"]],
            "withheld": len(package["withheld"]),
            "package_sha256": digest,
        }
        close(uow, req, Status.COMPLETED, response=summary, text=_access_text(req, package))
        return package
    if kind is RequestKind.KNOW:
        answer = know_answer(uow, pack, registry, req)
        close(uow, req, Status.COMPLETED, response={"outcome": "fulfilled", **answer}, text=_know_text(req, answer))
        return answer
    if kind is RequestKind.CORRECT:
        changed = apply_corrections(uow, registry, req)
        text = f"We corrected your information as you asked (request {req.id}) in {len(changed)} places."
        close(uow, req, Status.COMPLETED, response={"outcome": "fulfilled", "changed": changed}, text=text)
        return None
    if kind is RequestKind.OPT_OUT_OF_SALE:
        opt_out_now(uow, pack, req)
        return None
    stl = shine_the_light_answer(uow, pack, req)
    stl_summary: dict[str, Any] = stl["summary"]
    close(uow, req, Status.COMPLETED, response={"outcome": "fulfilled", **stl_summary}, text=stl["text"])
    return stl_summary


def _found(uow: UnitOfWork, registry: Registry | None, req: DataRequest) -> Found:
    person = get_person(uow, req.person_id)
    return find_rows(registry, person_seeds(person)) if registry is not None else Found()


def _disclosures(uow: UnitOfWork, req: DataRequest) -> list[Disclosure]:
    return disclosures_between(uow, req.received_at - LOOK_BACK, uow.now() + timedelta(seconds=1), req.person_id)


def access_package(uow: UnitOfWork, pack: PolicyPack, registry: Registry | None, req: DataRequest) -> dict[str, Any]:
    """The specific pieces: every value found, with what, from where, why and to whom."""
    ex = Explainer(pack)
    person = get_person(uow, req.person_id)
    builder = PackageBuilder(ex, registry)
    builder.add_privet(person)
    builder.add_found(_found(uow, registry, req))
    return {
        "request": {
            "id": req.id,
            "kind": req.kind,
            "received_at": req.received_at.isoformat(),
            "generated_at": uow.now().isoformat(),
        },
        "provider": pack.provider.name,
        "person": {"name": person.full_name},
        "records": builder.records,
        "categories": builder.categories(),
        "withheld": builder.withheld_items(),
        "disclosures": disclosure_items(ex, _disclosures(uow, req)),
    }


def know_answer(uow: UnitOfWork, pack: PolicyPack, registry: Registry | None, req: DataRequest) -> dict[str, Any]:
    """Categories, sources, purposes and recipients (1798.110), without the values themselves."""
    ex = Explainer(pack)
    builder = PackageBuilder(ex, registry)
    builder.add_privet(get_person(uow, req.person_id))
    builder.add_found(_found(uow, registry, req))
    disclosed = disclosure_items(ex, _disclosures(uow, req))
    return {
        "categories": builder.categories(),
        "disclosures": disclosed,
        "sold_or_shared": sorted({d["recipient"] for d in disclosed if d["sold_or_shared"]}),
    }


def finish_deletion(uow: UnitOfWork, pack: PolicyPack, req: DataRequest, tasks: list[Any]) -> None:
    """Answer a deletion whose systems are done, and pass it on to the recipients of the person's data (`fanout`).

    `req` is read locked: of two runs that finish the same deletion at once, the second finds it answered.
    """
    if req.status != Status.IN_PROGRESS.value:
        raise RequestError(f"request {req.id} is {req.status}; another run has already answered it")
    erased = {f"{t.dataset}.{t.table_name}": t.erased_rows for t in tasks if t.erased_rows}
    kept = [{"table": f"{t.dataset}.{t.table_name}", **k} for t in tasks for k in t.kept]
    since = datetime(2000, 1, 1, tzinfo=UTC)
    disclosed = disclosures_between(uow, since, uow.now() + timedelta(seconds=1), req.person_id)
    fanouts = fan_out(uow, pack, req, disclosed)
    summary = {
        "outcome": "fulfilled",
        "erased": erased,
        "kept": kept + PRIVET_KEPT,
        "recipients": [{"fanout": f.id, "name": f.recipient_name, "status": f.status} for f in fanouts],
    }
    lines = [f"We deleted your personal information (request {req.id}) from {len(erased)} places."]
    for k in kept:
        lines.append(f"Kept in {k['table']}: {k['reason']} ({k['cite']}).")
    lines += [f"Kept by privet: {k['reason']} ({k['cite']})." for k in PRIVET_KEPT]
    lines += _fanout_lines(fanouts)
    close(uow, req, Status.COMPLETED, response=summary, text="\n".join(lines))


def _fanout_lines(fanouts: list[DeletionFanout]) -> list[str]:
    """What the person is told of the recipients: asked now, to be asked by letter, or nobody to ask and why."""
    asked = [f.recipient_name for f in fanouts if f.status == "asked"]
    by_hand = [f.recipient_name for f in fanouts if f.status == "to_ask"]
    lines = []
    if asked:
        lines.append("We have asked these recipients of your information to delete it: " + ", ".join(asked) + ".")
    if by_hand:
        lines.append(
            "We are writing to these recipients of your information to ask them to delete it: " + ", ".join(by_hand) + "."
        )
    lines += [
        f"Shared where no one can be asked to delete it: {f.recipient_name}, because {f.note}."
        for f in fanouts
        if f.status == "impossible"
    ]
    return lines


def opt_out_now(uow: UnitOfWork, pack: PolicyPack, req: DataRequest) -> None:
    """Record the opt-out in the consent ledger and answer; effective at once (CCPA-04, NV-02)."""
    choices = [c for c in pack.choices if c.kind == "opt_out" and c.regime is not None and c.regime.value == req.regime]
    choices = choices or [c for c in pack.choices if c.kind == "opt_out" and "sale" in c.id]
    if not choices:
        text = f"We recorded your request {req.id}. {pack.provider.name} does not sell or share personal information, so nothing further changes."
        close(uow, req, Status.COMPLETED, response={"outcome": "fulfilled", "choice": None}, text=text)
        return
    recorded = record_choice(
        uow,
        pack,
        person_id=req.person_id,
        choice_id=choices[0].id,
        value=False,
        channel=req.channel,
        evidence={"request": req.id},
        received_at=req.received_at,
    )
    text = f"From {recorded.effective_at:%d %B %Y} we do not sell or share your personal information (request {req.id})."
    response = {"outcome": "fulfilled", "choice": choices[0].id, "effective_at": recorded.effective_at.isoformat()}
    close(uow, req, Status.COMPLETED, response=response, text=text)


def _access_text(req: DataRequest, package: dict[str, Any]) -> str:
    n = sum(len(r["rows"]) for r in package["records"])
    return (
        f"Your copy of your personal information is ready (request {req.id}): {n} records from {len(package['records'])} places."
    )


def _know_text(req: DataRequest, answer: dict[str, Any]) -> str:
    lines = [f"What we hold about you (request {req.id}):"]
    for c in answer["categories"]:
        lines.append(
            f"- {c['name']}: used for {', '.join(c['purposes']) or 'no stated purpose'}; shared with {', '.join(c['recipients']) or 'no one'}"
        )
    return "\n".join(lines)


def regenerate_package(uow: UnitOfWork, pack: PolicyPack, registry: Registry | None, req: DataRequest) -> dict[str, Any]:
    if req.kind != RequestKind.ACCESS.value or req.status != Status.COMPLETED.value:
        raise RequestError(
            f"request {req.id} is a {req.kind} request that is {req.status}; only a completed access request has a package"
        )
    return access_package(uow, pack, registry, req)
