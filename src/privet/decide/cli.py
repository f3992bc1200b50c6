"""`privet decide …`: one decision with its reasons, or a campaign's audience.

`privet decide one` exits 0 when the use is allowed, 1 when it is denied, 2 on bad input, so a
script can branch on it. `privet decide audience` counts over the store (or, with
`--population FILE.parquet`, over a population table in DuckDB, the fast path) and can write the
eligible ids, one per line.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from privet.cliopts import DbOpt, HistoryOpt, JsonOpt, PolicyOpt, fail, runtime_for
from privet.decide.audience_api import EARLIEST, LATEST
from privet.decide.bulk import Audience, DuckBackend, StoreBackend, count_audience, eligible_ids, record_audience
from privet.decide.bulk_duck import load_population
from privet.decide.decider import Decider
from privet.decide.engine import Request, UnknownRecipient
from privet.decide.explain import Decision
from privet.decide.service import decide_for_person
from privet.policy.check import known_categories, known_purposes
from privet.policy.model import PolicyPack
from privet.runtime import Runtime
from privet.store.db import utcnow
from privet.store.uow import UnitOfWork
from privet.subjects.identities import IdentityKind, InvalidIdentity
from privet.subjects.service import SubjectError, find_person, get_person

app = typer.Typer(
    help="Decisions: may this purpose use this data of this person; who may a campaign reach.", no_args_is_help=True
)

CategoriesOpt = Annotated[
    str, typer.Option("--categories", help="Data categories, comma-separated (user.contact.email,user.name)")
]
PurposeOpt = Annotated[str, typer.Option("--purpose", help="The purpose (marketing.communications.email)")]
RecipientOpt = Annotated[str, typer.Option("--recipient", help="A recipient id of the pack, or a kind it has one of")]
ChannelOpt = Annotated[str | None, typer.Option("--channel", help="email, sms, phone, mail …")]
AtOpt = Annotated[str | None, typer.Option("--at", help="When the use would happen, ISO 8601 with a timezone (default now)")]


def _campaign(
    pack: PolicyPack, categories: str, purpose: str, recipient: str, channel: str | None, at: str | None
) -> tuple[Request, datetime]:
    cats = tuple(c.strip() for c in categories.split(",") if c.strip())
    if not cats:
        fail("--categories: give at least one data category")
    unknown = [c for c in cats if c not in known_categories(pack)]
    if unknown:
        fail(f"--categories: unknown data category '{unknown[0]}'")
    if purpose not in known_purposes(pack):
        fail(f"--purpose: unknown purpose '{purpose}'")
    moment = utcnow()
    if at is not None:
        try:
            moment = datetime.fromisoformat(at.replace("Z", "+00:00"))
        except ValueError:
            fail(f"--at: '{at}' is not an ISO 8601 moment")
        if moment.tzinfo is None:
            fail("--at: give a timezone (e.g. 2026-11-22T10:00:00Z)")
        if not EARLIEST <= moment.year <= LATEST:
            fail(f"--at: give a moment between the years {EARLIEST} and {LATEST}")
    return Request(cats, purpose, recipient, channel), moment


def _person(uow: UnitOfWork, person: int | None, email: str | None, phone: str | None, account: str | None) -> int:
    given = [
        (k, v)
        for k, v in (
            (None, person),
            (IdentityKind.EMAIL, email),
            (IdentityKind.PHONE, phone),
            (IdentityKind.ACCOUNT_NUMBER, account),
        )
        if v is not None
    ]
    if len(given) != 1:
        fail("name the person by exactly one of --person, --email, --phone or --account")
    kind, value = given[0]
    try:
        if kind is None:
            return get_person(uow, int(value)).id
        found = find_person(uow, kind, str(value))
    except (SubjectError, InvalidIdentity) as exc:
        fail(str(exc))
    if found is None:
        fail(f"no person has that {kind.value}")
    return found.id


def _print_decision(person_id: int, decision: Decision) -> None:
    verdict = "ALLOWED" if decision.allowed else "DENIED"
    typer.echo(f"{verdict} for person {person_id}: basis {decision.basis.value}")
    typer.echo(f"policy version {decision.policy_version}, rule {decision.rule or '-'}")
    if decision.regime_rules:
        typer.echo(f"regime rules: {', '.join(decision.regime_rules)}")
    typer.echo("reasons:")
    for r in decision.reasons:
        mark = "+" if r.allows else "-"
        cite = f" [{r.citation}]" if r.citation else ""
        typer.echo(f"  {mark} {r.source}:{r.rule}{cite}: {r.text}")
    typer.echo(f"obligations: {', '.join(decision.obligations) if decision.obligations else '-'}")


@app.command()
def one(
    categories: CategoriesOpt,
    purpose: PurposeOpt,
    recipient: RecipientOpt,
    person: Annotated[int | None, typer.Option("--person", help="privet's person id")] = None,
    email: Annotated[str | None, typer.Option("--email")] = None,
    phone: Annotated[str | None, typer.Option("--phone")] = None,
    account: Annotated[str | None, typer.Option("--account", help="account number (its holder)")] = None,
    channel: ChannelOpt = None,
    at: AtOpt = None,
    db: DbOpt = None,
    policy: PolicyOpt = None,
    history: HistoryOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Decide one use for one person, with every reason and citation. Exit 0 allowed, 1 denied, 2 bad input."""
    runtime = runtime_for(db, policy, history)
    use, moment = _campaign(runtime.pack, categories, purpose, recipient, channel, at)
    try:
        with runtime.uow("cli") as uow:
            person_id = _person(uow, person, email, phone, account)
            decision = decide_for_person(uow, runtime.decider, person_id, use, moment)
    except UnknownRecipient as exc:
        fail(str(exc))
    if as_json:
        typer.echo(json.dumps({"person_id": person_id, **decision.as_dict()}, indent=2))
    else:
        _print_decision(person_id, decision)
    raise typer.Exit(0 if decision.allowed else 1)


def _print_audience(audience: Audience) -> None:
    s = audience.summary()
    typer.echo(
        f"{s['eligible']} of {s['total']} may be reached ({s['denied']} denied) under policy version {s['policy_version']}"
    )
    for reason, n in s["denied_by_reason"].items():
        typer.echo(f"  denied {n}: {reason}")
    typer.echo(f"({s['signatures']} distinct fact combinations, {s['decisions']} decisions)")


@app.command()
def audience(
    categories: CategoriesOpt,
    purpose: PurposeOpt,
    recipient: RecipientOpt,
    channel: ChannelOpt = None,
    at: AtOpt = None,
    ids: Annotated[Path | None, typer.Option("--ids", help="Write the eligible person ids here, one per line")] = None,
    population: Annotated[
        Path | None,
        typer.Option("--population", help="A population table (.parquet) to count over with DuckDB instead of the store"),
    ] = None,
    db: DbOpt = None,
    policy: PolicyOpt = None,
    history: HistoryOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Count who a campaign may reach and why the others are denied (the same answer as one decision each)."""
    runtime = runtime_for(db, policy, history)
    use, moment = _campaign(runtime.pack, categories, purpose, recipient, channel, at)
    written = 0
    try:
        if population is not None:
            written, counted = _over_population(runtime.decider, population, use, moment, ids)
        else:
            written, counted = _over_store(runtime, use, moment, ids)
    except UnknownRecipient as exc:
        fail(str(exc))
    with runtime.uow("cli") as uow:
        record_audience(uow, use, moment, counted.summary(), source="population" if population is not None else "store")
    if as_json:
        typer.echo(json.dumps({**counted.summary(), **({"ids_written": written} if ids else {})}, indent=2))
    else:
        _print_audience(counted)
        if ids is not None:
            typer.echo(f"wrote {written} ids to {ids}")


def _over_store(runtime: Runtime, use: Request, moment: datetime, ids: Path | None) -> tuple[int, Audience]:
    written = 0
    with runtime.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            backend = StoreBackend(conn)
            counted = count_audience(backend, runtime.decider, use, moment)
            if ids is not None:
                with ids.open("w", encoding="utf-8") as out:
                    for batch in eligible_ids(backend, counted):
                        out.write("".join(f"{i}\n" for i in batch))
                        written += len(batch)
    return written, counted


def _over_population(
    decider: Decider, population: Path, use: Request, moment: datetime, ids: Path | None
) -> tuple[int, Audience]:
    import duckdb

    if not population.exists():
        fail(f"--population: {population} does not exist")
    con = duckdb.connect()
    load_population(con, population)
    backend = DuckBackend(con)
    counted = count_audience(backend, decider, use, moment, keep_keys=ids is not None)
    written = 0
    if ids is not None:
        with ids.open("w", encoding="utf-8") as out:
            for batch in eligible_ids(backend, counted):
                out.write("".join(f"{i}\n" for i in batch))
                written += len(batch)
    return written, counted
