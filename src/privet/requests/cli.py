"""`privet requests …`: take a request (for oneself or a caller), work it, and watch the deadlines."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from pydantic import ValidationError

from privet.cliopts import DbOpt, JsonOpt, PolicyOpt, fail, runtime_for
from privet.policy.taxonomy import Channel
from privet.requests import children, fanout, lifecycle
from privet.requests.connectors.base import ConnectorError
from privet.requests.datasets.registry import DATASETS_ENV, DatasetError, Registry, registry_from_env
from privet.requests.execute import execute, regenerate_package
from privet.requests.intake import Submission, submit, verify_request
from privet.requests.kinds import RequestError, RequestKind, SubmittedBy
from privet.requests.report import render_html
from privet.requests.verification import DataPoint, Evidence
from privet.requests.views import RequestView, due_view, request_view
from privet.runtime import Runtime
from privet.store.uow import UnitOfWork
from privet.subjects.identities import InvalidIdentity
from privet.subjects.service import SubjectError

app = typer.Typer(
    help="Data-subject requests: access, know, delete, correct, opt out of sale, Shine the Light.", no_args_is_help=True
)

IdArg = Annotated[int, typer.Argument(min=1, help="The request id")]
PointOpt = Annotated[
    list[str] | None, typer.Option("--point", help="A data point the requester gave, as NAME=VALUE (repeatable)")
]
DatasetsOpt = Annotated[Path | None, typer.Option("--datasets", help=f"Dataset declarations (default ${DATASETS_ENV})")]


def _expected(exc: Exception) -> NoReturn:
    code = 1 if isinstance(exc, SubjectError) and str(exc).startswith("no ") else 2
    fail(str(exc), code)


@contextmanager
def _working(runtime: Runtime) -> Iterator[UnitOfWork]:
    """One unit of work as the command line; a refusal by the requests service exits with its message (`_expected`)."""
    try:
        with runtime.uow("cli") as uow:
            yield uow
    except RequestError as exc:
        _expected(exc)


def _points(points: list[str] | None) -> dict[str, str]:
    out = {}
    for item in points or []:
        name, sep, value = item.partition("=")
        if not sep or name.strip() not in {p.value for p in DataPoint}:
            fail(f"--point takes NAME=VALUE with NAME one of {', '.join(p.value for p in DataPoint)}; got '{item}'")
        out[name.strip()] = value
    return out


def _registry(runtime: Runtime, datasets: Path | None) -> Registry | None:
    try:
        return Registry.load(datasets, runtime.pack) if datasets else registry_from_env(runtime.pack)
    except DatasetError as exc:
        for p in exc.problems:
            typer.echo(str(p), err=True)
        fail("the dataset declarations are not usable; run `privet datasets check`")


def _show(view: RequestView, as_json: bool) -> None:
    if as_json:
        typer.echo(view.model_dump_json(indent=2))
        return
    d = view.deadlines
    typer.echo(f"request {view.id}: {view.kind} ({view.regime}) for person {view.person_id}: {view.status}")
    typer.echo(f"  received {view.received_at:%Y-%m-%d} by {view.channel} from {view.submitted_by}")
    if d.acknowledge_by:
        typer.echo(
            f"  acknowledge by {d.acknowledge_by}" + (f" (done {d.acknowledged_at:%Y-%m-%d})" if d.acknowledged_at else "")
        )
    typer.echo(f"  respond by {d.respond_by}" + (f", extended to {d.extended_to}" if d.extended_to else ""))
    if d.extension_notice_by:
        typer.echo(f"  may be extended by {d.extension_days} days with a notice sent by {d.extension_notice_by}")
    if d.days_left is not None:
        typer.echo(
            f"  {'OVERDUE by ' + str(-d.days_left) if d.overdue else str(d.days_left)} days{' left' if not d.overdue else ''}"
        )
    typer.echo(f"  verification: {view.verification.level}: {view.verification.outcome or 'pending'}")
    if view.denial_basis:
        typer.echo(f"  denied: {view.denial_basis}")


def _person(
    email: str | None, phone: str | None, account: str | None, username: str | None, person_id: int | None
) -> dict[str, Any]:
    given = {k: v for k, v in (("email", email), ("phone", phone), ("account_number", account), ("username", username)) if v}
    if len(given) + (person_id is not None) != 1:
        fail("name the person by exactly one of --email, --phone, --account, --username or --person-id")
    if person_id is not None:
        return {"person_id": person_id}
    kind, value = next(iter(given.items()))
    return {"identity": {"kind": kind, "value": value}}


@app.command("submit")
def submit_(
    kind: Annotated[RequestKind, typer.Argument(help="access, know, delete, correct, opt_out_of_sale or shine_the_light")],
    email: Annotated[str | None, typer.Option(help="The person's email")] = None,
    phone: Annotated[str | None, typer.Option(help="The person's phone number")] = None,
    account: Annotated[str | None, typer.Option(help="The person's account number")] = None,
    username: Annotated[str | None, typer.Option(help="The person's username")] = None,
    person_id: Annotated[int | None, typer.Option("--person-id", help="privet's id for the person")] = None,
    channel: Annotated[Channel, typer.Option(help="How the request arrived")] = Channel.EMAIL,
    by: Annotated[
        SubmittedBy, typer.Option("--by", help="subject, agent or care_rep (on behalf of a caller)")
    ] = SubmittedBy.SUBJECT,
    point: PointOpt = None,
    declaration: Annotated[
        bool, typer.Option("--declaration", help="The requester signed a declaration under penalty of perjury")
    ] = False,
    correct: Annotated[list[str] | None, typer.Option("--correct", help="CATEGORY=VALUE to correct (repeatable)")] = None,
    agent: Annotated[str | None, typer.Option(help="Agent as NAME|PROOF|DOCUMENT[|confirmed]")] = None,
    received: Annotated[datetime | None, typer.Option(help="When it arrived, if earlier (UTC)")] = None,
    db: DbOpt = None,
    policy: PolicyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Receive a request; deadlines are computed and shown at once."""
    body: dict[str, Any] = {
        "kind": kind.value,
        "person": _person(email, phone, account, username, person_id),
        "channel": channel.value,
    }
    body["submitted_by"] = by.value
    if point or declaration:
        body["evidence"] = {"data_points": _points(point), "signed_declaration": declaration}
    if correct:
        body["corrections"] = [{"category": c.partition("=")[0], "value": c.partition("=")[2]} for c in correct]
    if agent:
        parts = agent.split("|")
        body["agent"] = {
            "name": parts[0],
            "proof": parts[1] if len(parts) > 1 else "",
            "document": parts[2] if len(parts) > 2 else "",
        }
        body["agent"]["consumer_confirmed"] = len(parts) > 3 and parts[3] == "confirmed"
    if received is not None:
        body["received_at"] = received.isoformat() + ("+00:00" if received.tzinfo is None else "")
    try:
        sub = Submission.model_validate(body)
    except ValidationError as exc:
        fail("; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()))
    runtime = runtime_for(db, policy)
    try:
        with runtime.uow("cli") as uow:
            view = request_view(submit(uow, runtime.pack, sub), uow.now().date())
    except (SubjectError, InvalidIdentity, RequestError) as exc:
        _expected(exc)
    _show(view, as_json)


@app.command("list")
def list_(db: DbOpt = None, policy: PolicyOpt = None, as_json: JsonOpt = False) -> None:
    """Every request, newest first."""
    from sqlalchemy import select

    from privet.requests.tables import DataRequest

    runtime = runtime_for(db, policy)
    with runtime.uow("cli") as uow:
        today = uow.now().date()
        views = [request_view(r, today) for r in uow.session.scalars(select(DataRequest).order_by(DataRequest.id.desc()))]
    if as_json:
        typer.echo(json.dumps([v.model_dump(mode="json") for v in views], indent=2))
        return
    for v in views:
        typer.echo(f"{v.id:>6}  {v.kind:<16} {v.regime:<15} {v.status:<20} due {v.deadlines.due}")


@app.command()
def show(request_id: IdArg, db: DbOpt = None, policy: PolicyOpt = None, as_json: JsonOpt = False) -> None:
    """One request with its deadlines."""
    runtime = runtime_for(db, policy)
    try:
        with runtime.uow("cli") as uow:
            view = request_view(lifecycle.get_request(uow, request_id), uow.now().date())
    except RequestError as exc:
        fail(str(exc), 1)
    _show(view, as_json)


@app.command()
def due(db: DbOpt = None, policy: PolicyOpt = None, as_json: JsonOpt = False) -> None:
    """What is due soonest and what is overdue, across every open request."""
    runtime = runtime_for(db, policy)
    with runtime.uow("cli") as uow:
        items = [due_view(i) for i in lifecycle.due(uow, uow.now().date())]
    if as_json:
        typer.echo(json.dumps([i.model_dump(mode="json") for i in items], indent=2))
        return
    if not items:
        typer.echo("nothing is due")
    for i in items:
        flag = f"OVERDUE {-i.days_left}d" if i.overdue else f"in {i.days_left}d"
        typer.echo(f"{i.due}  {flag:<13} request {i.request_id:<6} {i.what:<15} {i.kind} ({i.regime})")


@app.command()
def verify(
    request_id: IdArg,
    point: PointOpt = None,
    declaration: Annotated[bool, typer.Option("--declaration")] = False,
    db: DbOpt = None,
    policy: PolicyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Verify a received request from the data points the requester gave; a failure is answered."""
    runtime = runtime_for(db, policy)
    evidence = Evidence.model_validate({"data_points": _points(point), "signed_declaration": declaration})
    with _working(runtime) as uow:
        req = lifecycle.get_request(uow, request_id)
        verify_request(uow, runtime.pack, req, evidence)
        view = request_view(req, uow.now().date())
    _show(view, as_json)


@app.command()
def acknowledge(
    request_id: IdArg,
    letter: Annotated[bool, typer.Option("--letter", help="Receipt was confirmed by letter or call")] = False,
    db: DbOpt = None,
    policy: PolicyOpt = None,
) -> None:
    """Confirm receipt (by email, or record a letter or call)."""
    runtime = runtime_for(db, policy)
    with _working(runtime) as uow:
        lifecycle.acknowledge(uow, lifecycle.get_request(uow, request_id), by_email=not letter)
    typer.echo(f"request {request_id} acknowledged")


@app.command()
def extend(
    request_id: IdArg,
    reason: Annotated[str, typer.Option(help="The reason the person is told")],
    db: DbOpt = None,
    policy: PolicyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Extend the answer date once, with a notice; refused after the original date."""
    runtime = runtime_for(db, policy)
    with _working(runtime) as uow:
        req = lifecycle.get_request(uow, request_id)
        lifecycle.extend(uow, req, reason)
        view = request_view(req, uow.now().date())
    _show(view, as_json)


@app.command()
def deny(
    request_id: IdArg,
    basis: Annotated[str, typer.Option(help="The legal basis")],
    explanation: Annotated[str, typer.Option(help="What the person is told")],
    db: DbOpt = None,
    policy: PolicyOpt = None,
) -> None:
    """Deny an open request with its basis; the person is told why."""
    runtime = runtime_for(db, policy)
    with _working(runtime) as uow:
        lifecycle.deny(uow, lifecycle.get_request(uow, request_id), basis, explanation)
    typer.echo(f"request {request_id} denied")


@app.command("execute")
def execute_(
    request_id: IdArg, datasets: DatasetsOpt = None, db: DbOpt = None, policy: PolicyOpt = None, as_json: JsonOpt = False
) -> None:
    """Carry out a verified request, or resume an interrupted deletion where it stopped."""
    runtime = runtime_for(db, policy)
    registry = _registry(runtime, datasets)
    try:
        result = execute(lambda: runtime.uow("cli"), runtime.pack, registry, request_id)
    except (RequestError, ConnectorError) as exc:
        _expected(exc)
    finally:
        if registry is not None:
            registry.close()
    typer.echo(json.dumps(result.response, indent=2) if as_json else f"request {request_id}: {result.status}")


@app.command()
def package(
    request_id: IdArg,
    out: Annotated[Path, typer.Option("--out", help="Where to write the package")],
    fmt: Annotated[str, typer.Option("--format", help="json or html")] = "json",
    datasets: DatasetsOpt = None,
    db: DbOpt = None,
    policy: PolicyOpt = None,
) -> None:
    """Write a completed access request's package, as JSON or as the readable HTML report."""
    if fmt not in ("json", "html"):
        fail("--format is json or html")
    runtime = runtime_for(db, policy)
    registry = _registry(runtime, datasets)
    try:
        with runtime.uow("cli") as uow:
            body = regenerate_package(uow, runtime.pack, registry, lifecycle.get_request(uow, request_id))
            uow.record("request.package_generated", f"request:{request_id}", format=fmt)
    except (RequestError, ConnectorError) as exc:
        _expected(exc)
    finally:
        if registry is not None:
            registry.close()
    out.write_text(render_html(body) if fmt == "html" else json.dumps(body, indent=2), encoding="utf-8")
    typer.echo(f"wrote {out}")


@app.command("children")
def children_(db: DbOpt = None, policy: PolicyOpt = None) -> None:
    """Open a deletion for every person known to be a child without parental consent."""
    runtime = runtime_for(db, policy)
    with runtime.uow("cli") as uow:
        opened = children.sweep(uow, runtime.pack)
    typer.echo(f"opened {len(opened)} deletion(s)" + (": " + ", ".join(str(r.id) for r in opened) if opened else ""))


@app.command()
def purge(db: DbOpt = None, policy: PolicyOpt = None) -> None:
    """Remove request records past their 24 months (those under a legal hold stay)."""
    runtime = runtime_for(db, policy)
    with runtime.uow("cli") as uow:
        count = lifecycle.purge(uow, uow.now().date())
    typer.echo(f"purged {count} request record(s)")


@app.command()
def fanouts(
    request_id: Annotated[int | None, typer.Argument(min=1, help="A deletion request (default: every open fan-out)")] = None,
    db: DbOpt = None,
    policy: PolicyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The recipients deletions were passed on to: one request's, or every one still to ask or to confirm."""
    runtime = runtime_for(db, policy)
    with _working(runtime) as uow:
        if request_id is not None:
            lifecycle.get_request(uow, request_id)
        rows = fanout.fanouts_of(uow, request_id) if request_id is not None else fanout.open_fanouts(uow)
        views = fanout.views(uow, rows)
    if as_json:
        typer.echo(json.dumps([v.model_dump(mode="json") for v in views], indent=2))
        return
    if not views:
        typer.echo("no deletion fan-outs" + ("" if request_id is not None else " open"))
    for v in views:
        late = " OVERDUE" if v.overdue else ""
        where = f" at {v.address}" if v.address else ""
        undelivered = f" (email not delivered: {v.delivery_error or 'gave up'}; ask by hand)" if v.delivery == "dead" else ""
        typer.echo(
            f"{v.id}: request {v.request_id} -> {v.recipient_name} ({v.channel}{where}): {v.status}{undelivered}, due {v.due_on}{late}"
        )
        if v.note:
            typer.echo(f"    {v.note}")


OutcomeArg = Annotated[str, typer.Argument(help="asked (by hand), confirmed, or impossible")]


@app.command("fanout")
def fanout_(
    fanout_id: Annotated[int, typer.Argument(min=1, help="The fan-out id (privet requests fanouts)")],
    outcome: OutcomeArg,
    note: Annotated[
        str, typer.Option("--note", help="How it was asked, what the recipient said, or in detail why it is impossible")
    ],
    db: DbOpt = None,
    policy: PolicyOpt = None,
) -> None:
    """Record what became of a recipient asked to delete: asked by hand, confirmed, or impossible (with why)."""
    runtime = runtime_for(db, policy)
    with _working(runtime) as uow:
        row = fanout.settle(uow, fanout_id, outcome, note)
        typer.echo(f"fan-out {row.id} to {row.recipient_name}: {row.status}")


@app.command("fanout-letter")
def fanout_letter(
    fanout_id: Annotated[int, typer.Argument(min=1, help="The fan-out id (privet requests fanouts)")],
    db: DbOpt = None,
    policy: PolicyOpt = None,
) -> None:
    """Print the request to delete for a recipient, to send by hand (where the pack gives no email, or it bounced)."""
    runtime = runtime_for(db, policy)
    with _working(runtime) as uow:
        made = fanout.letter_for(uow, runtime.pack, fanout_id)
    if made.post_to:
        typer.echo(f"Post to: {made.post_to}")
    typer.echo(f"Subject: {made.subject}\n\n{made.body}")
