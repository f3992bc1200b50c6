"""The abuse desk in the staff console: the review queue, cases by ladder stage, a case page with one-click actions.

Every page reads with `abuse:read` and every action needs `abuse:work` (reactivation
`abuse:reactivate`), the same permissions the /v1/abuse routes check, so the console never
lets a role do what the API would refuse. Actions go through the abuse service (`review`,
`ladder`, `disputes`) in one unit of work each, exactly as the API and the command line do;
the console only adds forms, CSRF and the post-redirect-get. A refused action (the ladder does
not allow the step yet, a ground the pack does not list) is shown with the service's own reason
on the page that asked, with a 4xx status, and nothing is written.

Subscribers appear only as the masking rules allow: the account number and the holder's name
pass through `access.masking.shown` for the signed-in role.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select

from privet.abuse import disputes, ladder, reports, review
from privet.abuse.api_common import DESK_ERRORS, ContextDep, error_status
from privet.abuse.desk import Desk
from privet.abuse.disputes import GROUNDS
from privet.abuse.permissions import ABUSE_REACTIVATE, ABUSE_READ, ABUSE_WORK
from privet.abuse.service import AbuseContext
from privet.abuse.tables import AbuseAction, AbuseCase, AbuseDispute, AbuseEvidence, AbuseNotice, AbuseStrike
from privet.access.masking import shown
from privet.api.deps import RowId, RuntimeDep
from privet.policy.model import PolicyPack
from privet.runtime import Runtime
from privet.subjects.tables import Account, AccountMember, Person
from privet.web.common import check_csrf, csrf_token, page
from privet.web.staff import (
    ConsoleCookie,
    Staff,
    context,
    form_staff,
    signin_redirect,
    staff_for_page,
)

router = APIRouter(prefix="/console/abuse", tags=["console pages"], include_in_schema=False)
Worker = Annotated[Staff, form_staff(ABUSE_WORK)]  # who may post the desk's forms
Reactivator = Annotated[Staff, form_staff(ABUSE_REACTIVATE)]  # who may reactivate a terminated account

TERMINATED = "terminated"
SUSPENDED_AT_ONCE = "immediate_suspension"
NO_STEP = "none"
EXCERPT_BYTES = 1200
FORM_TEXT = 1000

# --- outcomes carried across the redirect -------------------------------------------------------------------
# The page after a POST says what happened. The message rides in the query string, signed with an HMAC bound
# to the signed-in session, so a link from elsewhere cannot make the console display words it never said.


def outcome_location(path: str, staff: Staff, message: str) -> str:
    """`path` with `message` and its session-bound signature appended, for a 303 after a successful action."""
    message = message[:600]
    return f"{path}?{urlencode({'done': message, 'sig': csrf_token(staff.token, 'outcome:' + message)})}"


def read_outcome(staff: Staff, done: str | None, sig: str | None) -> str:
    """The message of `outcome_location` when its signature holds for this session; otherwise nothing."""
    if not done or not sig:
        return ""
    try:
        check_csrf(staff.token, "outcome:" + done, sig)
    except HTTPException:
        return ""
    return done


Done = Annotated[str | None, Query(max_length=700)]
Sig = Annotated[str | None, Query(max_length=100)]


class Refused(Exception):
    """An action the console will not carry out; shown on the page with `status` (422 bad input, 409 wrong state)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


@contextmanager
def refusals() -> Iterator[None]:
    """The abuse service's errors as console refusals: not found 404 (as the API), wrong state 409, bad request 422."""
    try:
        yield
    except DESK_ERRORS as exc:
        status = error_status(exc)
        if status in (404, 403):
            raise HTTPException(status, str(exc)) from None
        raise Refused(status, str(exc)) from None


def _text(value: str, what: str) -> str:
    cleaned = value.strip()
    if not cleaned:
        raise Refused(422, f"{what} is required")
    if len(cleaned) > FORM_TEXT:
        raise Refused(422, f"{what} is longer than {FORM_TEXT} characters")
    return cleaned


# --- where each account stands on the ladder ---------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    """One account's position: the stage its live actions put it in, its active strikes and the ladder's next step."""

    stage: str
    active: int
    next_step: str | None
    next_at: int | None
    allowed: bool
    why: str


def stage_names(pack: PolicyPack) -> list[tuple[str, str]]:
    """The stages the queue groups cases by, least to most severe: no step, the pack's ladder, then the rest."""
    aup = pack.programs.acceptable_use
    steps = [s.step for s in aup.ladder] if aup else []
    stages = [(NO_STEP, "No step taken yet")]
    for step in steps:
        if step == "termination":
            continue
        stages.append((step, step.replace("_", " ").capitalize()))
        if step == "temporary_suspension":
            stages.append((SUSPENDED_AT_ONCE, "Suspended at once"))
    if SUSPENDED_AT_ONCE not in dict(stages):
        stages.append((SUSPENDED_AT_ONCE, "Suspended at once"))
    stages.append((TERMINATED, "Terminated"))
    return stages


def standing(desk: Desk, account: Account, immediate: list[AbuseAction]) -> Standing:
    """Where the account is: terminated, suspended at once, or the highest ladder step in force; and what may come next.

    The next step is the pack's ladder step after the one in force; the desk may take it by hand
    only once the account's active strikes reach its threshold, the rule the service applies on
    each strike. A terminated account moves again only through reactivation.
    """
    steps = ladder.steps(desk)
    live = ladder.live_actions(desk, account.number)
    active = ladder.active_strikes(desk, account.number)
    live_immediate = [a for a in immediate if a.revoked_at is None]
    if any(a.step in ladder.TERMINATING for a in [*live, *live_immediate]) and account.status == "disconnected":
        return Standing(TERMINATED, active, None, None, False, "the account is terminated; only a reactivation brings it back")
    taken = {a.step for a in live}
    position = max((i for i, s in enumerate(steps) if s.step in taken), default=-1)
    stage = steps[position].step if position >= 0 else NO_STEP
    if any(a.step == SUSPENDED_AT_ONCE and a.resumed_at is None for a in live_immediate) and account.status == "suspended":
        stage = SUSPENDED_AT_ONCE
    if position + 1 >= len(steps):
        return Standing(stage, active, None, None, False, "the ladder has no further step")
    nxt = steps[position + 1]
    if active < nxt.at_strikes:
        why = f"{_label(nxt.step)} needs {nxt.at_strikes} active strike(s); the account has {active}"
        return Standing(stage, active, nxt.step, nxt.at_strikes, False, why)
    return Standing(stage, active, nxt.step, nxt.at_strikes, True, f"{active} active strike(s) reach {_label(nxt.step)}")


def _label(step: str) -> str:
    return step.replace("_", " ")


def _immediate_actions(desk: Desk, numbers: list[str]) -> dict[str, list[AbuseAction]]:
    found: dict[str, list[AbuseAction]] = {n: [] for n in numbers}
    if numbers:
        query = select(AbuseAction).where(
            AbuseAction.account_number.in_(numbers), AbuseAction.step.in_([step for step, _ in ladder.IMMEDIATE.values()])
        )
        for action in desk.uow.session.scalars(query.order_by(AbuseAction.id)):
            found[action.account_number].append(action)
    return found


def _holders(desk: Desk, numbers: list[str]) -> dict[str, tuple[int, str]]:
    """Each account's holder (else its first member): person id and name, in one query."""
    rows = desk.uow.session.execute(
        select(Account.number, AccountMember.role, Person.id, Person.full_name)
        .join(AccountMember, AccountMember.account_id == Account.id)
        .join(Person, Person.id == AccountMember.person_id)
        .where(Account.number.in_(numbers))
        .order_by(AccountMember.id)
    ).all()
    holders: dict[str, tuple[int, str]] = {}
    for number, role, person_id, name in rows:
        if number not in holders or role == "holder":
            holders[number] = (person_id, name)
    return holders


def _subscriber(runtime: Runtime, staff: Staff, number: str, holders: dict[str, tuple[int, str]]) -> dict[str, Any]:
    role = staff.principal.role
    person_id, name = holders.get(number, (None, None))
    return {
        "account": shown(runtime.pack, role, "user.telecom.account_number", number),
        "name": shown(runtime.pack, role, "user.name", name) if name else None,
        "person_id": person_id,
    }


# --- pages ----------------------------------------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse, response_model=None)
def queue(runtime: RuntimeDep, ctx: ContextDep, done: Done = None, sig: Sig = None, session: ConsoleCookie = None) -> Response:
    """Notices waiting for a person, then every case grouped by the ladder stage its account is in."""
    staff = staff_for_page(runtime, session, ABUSE_READ)
    if staff is None:
        return signin_redirect()
    return _render_queue(runtime, ctx, staff, outcome=read_outcome(staff, done, sig))


def _render_queue(
    runtime: Runtime, ctx: AbuseContext, staff: Staff, *, outcome: str = "", error: str = "", status_code: int = 200
) -> HTMLResponse:
    with ctx.desk(staff.principal.actor) as desk:
        pending = [_notice_row(desk, n, excerpt=True) for n in review.queue(desk, limit=100)]
        cases = list(
            desk.uow.session.scalars(select(AbuseCase).order_by(AbuseCase.updated_at.desc(), AbuseCase.id.desc()).limit(500))
        )
        numbers = sorted({c.account_number for c in cases})
        desk.preload(numbers)
        immediate = _immediate_actions(desk, numbers)
        holders = _holders(desk, numbers)
        last = dict(
            desk.uow.session.execute(
                select(AbuseNotice.case_id, func.max(AbuseNotice.received_at))
                .where(AbuseNotice.case_id.in_([c.id for c in cases]))
                .group_by(AbuseNotice.case_id)
            ).all()
        )
        stages = stage_names(runtime.pack)
        grouped: dict[str, list[dict[str, Any]]] = {key: [] for key, _ in stages}
        for case in cases:
            account = desk.account(case.account_number)
            if account is None:
                continue
            where = standing(desk, account, immediate[case.account_number])
            grouped.setdefault(where.stage, []).append(
                {
                    "id": case.id,
                    "kind": case.kind,
                    "subscriber": _subscriber(runtime, staff, case.account_number, holders),
                    "status": account.status,
                    "strikes": case.strike_count,
                    "active": where.active,
                    "notices": case.notice_count,
                    "last_notice": last.get(case.id),
                    "standing": where,
                }
            )
    return page(
        "console/abuse.html",
        status_code=status_code,
        **context(
            runtime,
            staff,
            pending=pending,
            stages=stages,
            grouped=grouped,
            outcome=outcome,
            error=error,
            prohibitions=_prohibitions(runtime.pack),
            may_work=staff.may(ABUSE_WORK),
        ),
    )


def _prohibitions(pack: PolicyPack) -> list[tuple[str, str]]:
    aup = pack.programs.acceptable_use
    return [(p.id, f"{p.id} ({p.kind.replace('_', ' ')})") for p in aup.prohibited] if aup else []


def _notice_row(desk: Desk, notice: AbuseNotice, *, excerpt: bool = False) -> dict[str, Any]:
    text = ""
    if excerpt:
        evidence = desk.uow.session.get(AbuseEvidence, notice.id)
        if evidence is not None:
            text = bytes(evidence.raw[:EXCERPT_BYTES]).decode("utf-8", "replace")
    return {
        "id": notice.id,
        "received_at": notice.received_at,
        "format": notice.format,
        "status": notice.status,
        "reason": notice.reason,
        "complainant": notice.complainant,
        "kind": notice.kind or notice.violation,
        "prohibition": notice.prohibition,
        "source_ip": notice.source_ip,
        "source_port": notice.source_port,
        "event_at": notice.event_at,
        "confidence": notice.confidence,
        "excerpt": text,
    }


@router.get("/cases/{case_id}", response_class=HTMLResponse, response_model=None)
def case_page(
    case_id: RowId, runtime: RuntimeDep, ctx: ContextDep, done: Done = None, sig: Sig = None, session: ConsoleCookie = None
) -> Response:
    staff = staff_for_page(runtime, session, ABUSE_READ)
    if staff is None:
        return signin_redirect()
    return _render_case(runtime, ctx, staff, case_id, outcome=read_outcome(staff, done, sig))


def _render_case(
    runtime: Runtime, ctx: AbuseContext, staff: Staff, case_id: int, *, outcome: str = "", error: str = "", status_code: int = 200
) -> HTMLResponse:
    with ctx.desk(staff.principal.actor) as desk:
        case = desk.uow.session.get(AbuseCase, case_id)
        if case is None:
            raise HTTPException(404, f"no case {case_id}")
        account = desk.need_account(case.account_number)
        immediate = _immediate_actions(desk, [account.number])[account.number]
        where = standing(desk, account, immediate)
        session = desk.uow.session
        notices = [
            _notice_row(desk, n)
            for n in session.scalars(select(AbuseNotice).where(AbuseNotice.case_id == case.id).order_by(AbuseNotice.id))
        ]
        strikes = list(session.scalars(select(AbuseStrike).where(AbuseStrike.case_id == case.id).order_by(AbuseStrike.id)))
        by_strike: dict[int, list[AbuseDispute]] = {s.id: [] for s in strikes}
        if strikes:
            for d in session.scalars(
                select(AbuseDispute).where(AbuseDispute.strike_id.in_(list(by_strike))).order_by(AbuseDispute.id)
            ):
                by_strike[d.strike_id].append(d)
        actions = list(
            session.scalars(select(AbuseAction).where(AbuseAction.account_number == account.number).order_by(AbuseAction.id))
        )
        aup = runtime.pack.programs.acceptable_use
        view = {
            "id": case.id,
            "kind": case.kind,
            "subscriber": _subscriber(runtime, staff, account.number, _holders(desk, [account.number])),
            "status": account.status,
            "account_type": account.type,
            "opened_at": case.opened_at,
            "notices": case.notice_count,
            "strikes": case.strike_count,
            "reminders": case.reminders,
            "standing": where,
        }
        strike_rows = [
            {
                "id": s.id,
                "notice_id": s.notice_id,
                "at": s.at,
                "expires_at": s.expires_at,
                "removed_at": s.removed_at,
                "removed_reason": s.removed_reason,
                "prohibition": s.prohibition,
                "disputes": by_strike[s.id],
                "open_dispute": next((d for d in by_strike[s.id] if d.status == "open"), None),
            }
            for s in strikes
        ]
        action_rows = [
            {
                "id": a.id,
                "step": a.step,
                "at": a.at,
                "at_strikes": a.at_strikes,
                "from_status": a.from_status,
                "to_status": a.to_status,
                "reason": a.reason,
                "ground": a.ground,
                "resume_at": a.resume_at,
                "resumed_at": a.resumed_at,
                "revoked_at": a.revoked_at,
                "acknowledged_at": a.acknowledged_at,
                "role": a.role,
                "actor": a.actor,
            }
            for a in actions
        ]
    stages = dict(stage_names(runtime.pack))
    return page(
        "console/abuse_case.html",
        status_code=status_code,
        **context(
            runtime,
            staff,
            case=view,
            stage_label=stages.get(where.stage, _label(where.stage)),
            notices=notices,
            strikes=strike_rows,
            actions=action_rows,
            grounds=list(aup.immediate_grounds) if aup else [],
            dispute_grounds=GROUNDS,
            outcome=outcome,
            error=error,
            may_work=staff.may(ABUSE_WORK),
            may_reactivate=staff.may(ABUSE_REACTIVATE),
        ),
    )


@router.get("/reports/repeat-infringers", response_class=HTMLResponse, response_model=None)
def repeat_infringers(
    runtime: RuntimeDep,
    ctx: ContextDep,
    kind: Annotated[str, Query(max_length=30, pattern=r"^[a-z_]+$")] = "copyright",
    session: ConsoleCookie = None,
) -> Response:
    """The 512(i) record: subscribers by active strikes with every step taken (same report as the API's)."""
    staff = staff_for_page(runtime, session, ABUSE_READ)
    if staff is None:
        return signin_redirect()
    with ctx.desk(staff.principal.actor) as desk:
        rows = reports.repeat_infringers(desk.uow.session, kind=None if kind == "all" else kind, min_strikes=1, now=desk.now())
        holders = _holders(desk, [r["account_number"] for r in rows])
        cases = {
            number: case_id
            for number, case_id in desk.uow.session.execute(
                select(AbuseCase.account_number, func.min(AbuseCase.id))
                .where(AbuseCase.account_number.in_([r["account_number"] for r in rows]))
                .group_by(AbuseCase.account_number)
            )
        }
    shown_rows = [
        {**r, "subscriber": _subscriber(runtime, staff, r["account_number"], holders), "case": cases.get(r["account_number"])}
        for r in rows
    ]
    return page("console/abuse_report.html", **context(runtime, staff, rows=shown_rows, kind=kind))


# --- actions ----------------------------------------------------------------------------------------------------------


def _act_on_queue(runtime: Runtime, ctx: AbuseContext, staff: Staff, work: Callable[[Desk], str]) -> Response:
    """Run one review decision in one unit of work; 303 to the queue with the outcome, or the queue with the refusal."""
    try:
        with refusals(), ctx.desk(staff.principal.actor) as desk:
            message = work(desk)
    except Refused as exc:
        return _render_queue(runtime, ctx, staff, error=exc.reason, status_code=exc.status)
    return RedirectResponse(outcome_location("/console/abuse", staff, message), status_code=303)


@router.post("/notices/{notice_id}/confirm", response_model=None)
def confirm_notice(
    notice_id: RowId,
    runtime: RuntimeDep,
    ctx: ContextDep,
    staff: Worker,
    note: Annotated[str, Form()] = "",
    prohibition: Annotated[str, Form(max_length=120)] = "",
) -> Response:
    """Accept a notice waiting for review and route it like any other (it may open a case and take a step)."""

    def work(desk: Desk) -> str:
        why = _text(note, "a note saying why")
        routed = review.confirm(desk, notice_id, note=why, prohibition=prohibition.strip() or None)
        said = f"Notice {notice_id} confirmed: {routed.status}"
        if routed.case_id:
            said += f", case {routed.case_id}"
        if routed.step:
            said += f", step taken: {_label(routed.step)}"
        return said + (f" ({routed.reason})" if routed.reason else "") + "."

    return _act_on_queue(runtime, ctx, staff, work)


@router.post("/notices/{notice_id}/dismiss", response_model=None)
def dismiss_notice(
    notice_id: RowId,
    runtime: RuntimeDep,
    ctx: ContextDep,
    staff: Worker,
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Dismiss a notice waiting for review; the complainant is told privet cannot act on it."""

    def work(desk: Desk) -> str:
        review.dismiss(desk, notice_id, _text(reason, "a reason"))
        return f"Notice {notice_id} dismissed; the complainant is told why."

    return _act_on_queue(runtime, ctx, staff, work)


def _act_on_case(
    runtime: Runtime, ctx: AbuseContext, staff: Staff, case_id: int, work: Callable[[Desk, AbuseCase], str]
) -> Response:
    """Run one action on a case in one unit of work; 303 back to the case with the outcome, or the case page with the refusal."""
    try:
        with refusals(), ctx.desk(staff.principal.actor) as desk:
            case = desk.uow.session.get(AbuseCase, case_id)
            if case is None:
                raise HTTPException(404, f"no case {case_id}")
            message = work(desk, case)
    except Refused as exc:
        return _render_case(runtime, ctx, staff, case_id, error=exc.reason, status_code=exc.status)
    return RedirectResponse(outcome_location(f"/console/abuse/cases/{case_id}", staff, message), status_code=303)


@router.post("/cases/{case_id}/next-step", response_model=None)
def next_step(
    case_id: RowId,
    runtime: RuntimeDep,
    ctx: ContextDep,
    staff: Worker,
    step: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Take the ladder's next step by hand, when the account's active strikes reach it (`ladder.take`)."""

    def work(desk: Desk, case: AbuseCase) -> str:
        account = desk.need_account(case.account_number)
        where = standing(desk, account, _immediate_actions(desk, [account.number])[account.number])
        if not where.allowed or where.next_step is None:
            raise Refused(409, f"The ladder does not allow a further step: {where.why}.")
        if step and step != where.next_step:
            raise Refused(409, f"The page was out of date: the next step is now {_label(where.next_step)}; reload and check.")
        chosen = next(s for s in ladder.steps(desk) if s.step == where.next_step)
        action = ladder.take(desk, account, case, chosen, where.active, None)
        return f"Step taken: {_label(action.step)} at {where.active} strike(s); the account is {action.to_status}."

    return _act_on_case(runtime, ctx, staff, case_id, work)


@router.post("/cases/{case_id}/immediate", response_model=None)
def immediate(
    case_id: RowId,
    runtime: RuntimeDep,
    ctx: ContextDep,
    staff: Worker,
    ground: Annotated[str, Form(max_length=300)] = "",
    action: Annotated[str, Form(max_length=20)] = "suspend",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Suspend or terminate at once on one of the pack's immediate grounds (`ladder.immediate`)."""

    def work(desk: Desk, case: AbuseCase) -> str:
        if action not in ladder.IMMEDIATE:
            raise Refused(422, "choose suspend or terminate")
        why = _text(reason, "a reason")
        done = ladder.immediate(desk, desk.need_account(case.account_number), case, ground, action, why)
        done.role = staff.principal.role
        return f"{_label(done.step).capitalize()} on ground '{done.ground}'; the account is {done.to_status}."

    return _act_on_case(runtime, ctx, staff, case_id, work)


@router.post("/cases/{case_id}/disputes", response_model=None)
def open_dispute(
    case_id: RowId,
    runtime: RuntimeDep,
    ctx: ContextDep,
    staff: Worker,
    strike_id: Annotated[str, Form(max_length=12)] = "",
    ground: Annotated[str, Form(max_length=40)] = "",
    statement: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    """Record the subscriber's dispute of one of this case's strikes (`disputes.open_dispute`)."""

    def work(desk: Desk, case: AbuseCase) -> str:
        strike = _strike_of(desk, case, strike_id)
        if not statement.strip():
            raise Refused(422, "the subscriber's statement is required")
        dispute = disputes.open_dispute(desk, strike.id, ground, statement)
        return f"Dispute {dispute.id} of strike {strike.id} recorded ({_label(ground)})."

    return _act_on_case(runtime, ctx, staff, case_id, work)


def _strike_of(desk: Desk, case: AbuseCase, strike_id: str) -> AbuseStrike:
    if not strike_id.isdigit() or not 0 < int(strike_id) < 2**31:
        raise Refused(422, "choose a strike of this case")
    strike = desk.uow.session.get(AbuseStrike, int(strike_id))
    if strike is None or strike.case_id != case.id:
        raise Refused(422, f"strike {strike_id} is not a strike of case {case.id}")
    return strike


@router.post("/cases/{case_id}/disputes/{dispute_id}/decision", response_model=None)
def decide_dispute(
    case_id: RowId,
    dispute_id: RowId,
    runtime: RuntimeDep,
    ctx: ContextDep,
    staff: Worker,
    decision: Annotated[str, Form(max_length=10)] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Uphold (the strike goes, steps above the new count are revoked) or reject a dispute (`disputes.decide`)."""

    def work(desk: Desk, case: AbuseCase) -> str:
        if decision not in ("uphold", "reject"):
            raise Refused(422, "choose uphold or reject")
        dispute = desk.uow.session.get(AbuseDispute, dispute_id)
        strike = desk.uow.session.get(AbuseStrike, dispute.strike_id) if dispute is not None else None
        if dispute is None or strike is None or strike.case_id != case.id:
            raise HTTPException(404, f"no dispute {dispute_id} in case {case.id}")
        decided = disputes.decide(desk, dispute_id, uphold=decision == "uphold", reason=_text(reason, "a reason"))
        return f"Dispute {decided.id} {decided.status}; the subscriber is told the outcome."

    return _act_on_case(runtime, ctx, staff, case_id, work)


@router.post("/cases/{case_id}/actions/{action_id}/acknowledge", response_model=None)
def acknowledge(
    case_id: RowId,
    action_id: RowId,
    runtime: RuntimeDep,
    ctx: ContextDep,
    staff: Worker,
) -> Response:
    """Record that the subscriber acknowledged an `acknowledgement_required` step (`ladder.acknowledge`)."""

    def work(desk: Desk, case: AbuseCase) -> str:
        found = desk.uow.session.get(AbuseAction, action_id)
        if found is None or found.account_number != case.account_number:
            raise HTTPException(404, f"no action {action_id} on this case's account")
        ladder.acknowledge(desk, action_id)
        return f"Acknowledgement of action {action_id} recorded."

    return _act_on_case(runtime, ctx, staff, case_id, work)


@router.post("/cases/{case_id}/reactivate", response_model=None)
def reactivate(
    case_id: RowId,
    runtime: RuntimeDep,
    ctx: ContextDep,
    staff: Reactivator,
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Bring back an account the desk terminated, with the reason and the role recorded (`ladder.reactivate`)."""

    def work(desk: Desk, case: AbuseCase) -> str:
        account = desk.need_account(case.account_number)
        ladder.reactivate(desk, account, _text(reason, "a reason"), staff.principal.role)
        return "The account is reactivated; its ladder position is reset (the strikes stay)."

    return _act_on_case(runtime, ctx, staff, case_id, work)
