"""The staff console at /console: server-rendered pages over the same services and permission table as the API.

Sign-in takes a bearer token pasted into a form and keeps it in an HttpOnly, SameSite=Strict
cookie scoped to /console. Every page checks the role's permissions (`access.permissions`) and
shows subscriber data only through the masking views, so a page never shows more than the API would.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from privet.access.permissions import Permission
from privet.api.deps import RuntimeDep, api_routes
from privet.audit.tables import AuditEntry
from privet.consent import ledger
from privet.outbox.tables import OutboxMessage
from privet.subjects.identities import IdentityKind, InvalidIdentity, normalize
from privet.subjects.service import SubjectError, get_person
from privet.subjects.tables import Account, AccountMember, ContactPoint, Identity, Person
from privet.subjects.views import account_view, person_view
from privet.web.common import check_csrf, is_https, page
from privet.web.staff import (
    COOKIE,
    CSRF_PURPOSE,
    ConsoleCookie,
    Staff,
    context,
    form_staff,
    require,
    signed_in,
    signin_redirect,
)

router = APIRouter(prefix="/console", tags=["console pages"], include_in_schema=False)


@router.get("/signin", response_class=HTMLResponse)
def signin_page(runtime: RuntimeDep) -> HTMLResponse:
    return page("console/signin.html", pack=runtime.pack, staff=None, error="")


@router.post("/signin", response_model=None)
def signin(request: Request, runtime: RuntimeDep, token: Annotated[str, Form(max_length=200)] = "") -> Response:
    origin = request.headers.get("origin")
    if origin and origin != f"{request.url.scheme}://{request.url.netloc}":
        raise HTTPException(403, "sign-in must come from the console's own page")
    staff = signed_in(runtime, token.strip())
    if staff is None:
        return page(
            "console/signin.html", status_code=401, pack=runtime.pack, staff=None, error="That token is unknown or revoked."
        )
    with runtime.uow(staff.principal.actor) as uow:
        uow.record("console.signed_in", f"token:{staff.principal.token_id}", role=staff.principal.role)
    response = RedirectResponse("/console", status_code=303)
    response.set_cookie(
        COOKIE, staff.token, max_age=8 * 3600, path="/console", httponly=True, samesite="strict", secure=is_https(request)
    )
    return response


@router.post("/signout")
def signout(runtime: RuntimeDep, csrf: Annotated[str, Form()] = "", session: ConsoleCookie = None) -> Response:
    staff = signed_in(runtime, session)
    if staff is not None:
        check_csrf(staff.token, CSRF_PURPOSE, csrf)
    response = signin_redirect()
    response.delete_cookie(COOKIE, path="/console")
    return response


@router.get("", response_class=HTMLResponse, response_model=None)
def today(request: Request, runtime: RuntimeDep, session: ConsoleCookie = None) -> Response:
    staff = signed_in(runtime, session)
    if staff is None:
        return signin_redirect()
    due: list[Any] = []
    outbox: list[OutboxMessage] = []
    consent_items: list[dict[str, Any]] = []
    with runtime.uow(staff.principal.actor) as uow:
        today_date = uow.now().date()
        if staff.may(Permission.SUBJECTS_READ):
            due = _requests_due(uow, today_date)
        if staff.may(Permission.OUTBOX_READ):
            outbox = list(
                uow.session.scalars(
                    select(OutboxMessage)
                    .where(OutboxMessage.status != "sent")
                    .order_by(OutboxMessage.created_at.desc())
                    .limit(20)
                )
            )
            outbox_rows = [{"kind": m.kind, "channel": m.channel, "status": m.status, "created_at": m.created_at} for m in outbox]
        else:
            outbox_rows = []
        if staff.may(Permission.CONSENT_READ):
            consent_items = _pending_consent(uow)
        deadlines = _deadlines(request, uow, runtime, staff, today_date)
    return page(
        "console/today.html",
        **context(
            runtime,
            staff,
            due=due,
            outbox=outbox_rows,
            consent_items=consent_items,
            today=today_date,
            deadlines=deadlines,
            may_see_deadlines=bool(_deadline_areas(staff)),
        ),
    )


def _requests_due(uow: Any, today_date: Any) -> list[Any]:
    try:
        from privet.requests import lifecycle
        from privet.requests.views import due_view
    except ImportError:  # the requests package is optional for the console
        return []
    return [due_view(i) for i in lifecycle.due(uow, today_date)][:50]


def _pending_consent(uow: Any) -> list[dict[str, Any]]:
    """Consent changes whose legal effective date is still ahead (e.g. a CAN-SPAM opt-out within its 10 business days)."""
    from privet.consent.tables import ConsentEvent

    now = uow.now()
    rows = uow.session.scalars(
        select(ConsentEvent).where(ConsentEvent.effective_at > now).order_by(ConsentEvent.effective_at).limit(50)
    )
    return [{"person_id": e.person_id, "choice": e.choice_id, "value": e.value, "effective_at": e.effective_at} for e in rows]


# --- other deadlines on the Today page: breaches, restorations, legal holds, the CPNI certification ---

HOLD_HORIZON = timedelta(days=30)
CERTIFICATION_DUE = (3, 1)  # 1 March, for the previous calendar year (64.2009(e))


@dataclass(frozen=True)
class Deadline:
    """One dated obligation on the Today page, with where it is handled.

    `due` is a deadline that can be missed; `opens` is a first permitted day (customers may be told
    of a breach only from it), shown beside the deadline but never counted as overdue.
    """

    area: str
    what: str
    due: date | None
    today: date
    opens: date | None = None
    links: tuple[tuple[str, str], ...] = ()
    how: str = ""
    done: bool = False

    @property
    def days_left(self) -> int | None:
        return None if self.due is None else (self.due - self.today).days

    @property
    def overdue(self) -> bool:
        return not self.done and self.due is not None and self.due < self.today

    @property
    def sort_key(self) -> tuple[date, str]:
        return (self.due or self.opens or date.max, self.what)


def _deadline_areas(staff: Staff) -> list[str]:
    """The areas of deadlines this role may read: each follows the permission its API asks."""
    areas = []
    if staff.may(Permission.CPNI_BREACHES):
        areas.append("breaches")
    if staff.may(Permission.ABUSE_READ):
        areas.append("restorations")
    if staff.may(Permission.LEGAL_READ):
        areas.append("holds")
    if staff.may(Permission.CPNI_BREACHES) or staff.may(Permission.CPNI_APPROVE):
        areas.append("certification")
    if staff.may(Permission.REQUESTS_MANAGE):
        areas.append("fanouts")
    return areas


def api_docs_link(request: Request, method: str, path: str) -> str:
    """The API documentation of the operation handling `method path` (Swagger's deep link), or the docs index.

    The operations themselves need a bearer token, so a browser link goes to their documented
    form rather than to a URL that would answer 401.
    """
    operation = request.app.openapi().get("paths", {}).get(path, {}).get(method.lower())
    if not operation or not operation.get("operationId"):
        return "/docs"
    tag = str((operation.get("tags") or ["default"])[0])
    return f"/docs#/{quote(tag)}/{quote(str(operation['operationId']))}"


def _deadlines(request: Request, uow: Any, runtime: Any, staff: Staff, today: date) -> list[Deadline]:
    areas = _deadline_areas(staff)
    items: list[Deadline] = []
    if "breaches" in areas:
        items += _breach_deadlines(request, uow, today)
    if "restorations" in areas:
        items += _restoration_deadlines(request, uow, runtime, staff, today)
    if "holds" in areas:
        items += _hold_deadlines(request, uow, today)
    if "certification" in areas:
        items.append(_certification_deadline(uow, today))
    if "fanouts" in areas:
        items += _fanout_deadlines(request, uow, today)
    return sorted(items, key=lambda d: d.sort_key)


def _breach_deadlines(request: Request, uow: Any, today: date) -> list[Deadline]:
    """Open CPNI breaches: the law-enforcement report deadline, and the customer notice window (64.2011)."""
    from privet.cpni import breaches

    out = []
    for st in breaches.open_breaches(uow):
        b, dates = st.breach, st.dates
        if b.reported_on is None:
            out.append(
                Deadline(
                    "CPNI breach",
                    f"Breach {b.id}: report to {', '.join(dates.report_to)}",
                    dates.report_due,
                    today,
                    links=(("Record the report", api_docs_link(request, "POST", "/v1/cpni/breaches/{breach_id}/report")),),
                )
            )
        if dates.customer_notice_required and b.customers_notified_on is None:
            held = f" (agency hold until {st.hold_until.isoformat()})" if st.hold_until else ""
            out.append(
                Deadline(
                    "CPNI breach",
                    f"Breach {b.id}: notify customers{held}",
                    dates.customer_notice_due,
                    today,
                    opens=dates.earliest_customer_notice,
                    links=(
                        (
                            "Send customer notices",
                            api_docs_link(request, "POST", "/v1/cpni/breaches/{breach_id}/customer-notices"),
                        ),
                    ),
                )
            )
    return out


def _restoration_deadlines(request: Request, uow: Any, runtime: Any, staff: Staff, today: date) -> list[Deadline]:
    """Counter-noticed takedowns: material goes back between the two scheduled days unless a lawsuit is reported (512(g))."""
    from privet.abuse.tables import AbuseNotice, AbuseTakedown
    from privet.access.masking import shown

    rows = uow.session.execute(
        select(AbuseTakedown, AbuseNotice.case_id)
        .join(AbuseNotice, AbuseNotice.id == AbuseTakedown.notice_id)
        .where(AbuseTakedown.status == "counter_noticed")
        .order_by(AbuseTakedown.restore_by, AbuseTakedown.id)
        .limit(50)
    )
    case_page = _has_route(request, "/console/abuse/cases/{case_id}")
    out = []
    for t, case_id in rows:
        account = shown(runtime.pack, staff.principal.role, "user.telecom.account_number", t.account_number)
        links: list[tuple[str, str]] = []
        if case_page and case_id is not None:
            links.append((f"Case {case_id}", f"/console/abuse/cases/{case_id}"))
        links.append(("Run due restorations", api_docs_link(request, "POST", "/v1/abuse/run-due")))
        links.append(("Report a lawsuit", api_docs_link(request, "POST", "/v1/abuse/takedowns/{takedown_id}/lawsuit")))
        out.append(
            Deadline(
                "Counter-notice",
                f"Takedown {t.id}: restore material for account {account}",
                t.restore_by,
                today,
                opens=t.restore_not_before,
                links=tuple(links),
            )
        )
    return out


def _has_route(request: Request, path: str) -> bool:
    """Whether this deployment mounts a console page at `path` (the abuse and request pages are optional routers)."""
    return any(full_path == path for full_path, _ in api_routes(request.app.routes))


def _hold_deadlines(request: Request, uow: Any, today: date) -> list[Deadline]:
    """Legal holds in force that end within the horizon: renew (a 2703(f) preservation, once) or let them lapse."""
    from privet.legal.tables import Hold

    now = uow.now()
    rows = uow.session.scalars(
        select(Hold)
        .where(
            Hold.released_at.is_(None),
            Hold.starts_at <= now,
            Hold.ends_at.is_not(None),
            Hold.ends_at > now,
            Hold.ends_at <= now + HOLD_HORIZON,
        )
        .order_by(Hold.ends_at, Hold.id)
        .limit(50)
    )
    out = []
    for h in rows:
        links: list[tuple[str, str]] = []
        if h.person_id is not None:
            links.append((f"Person {h.person_id}", f"/console/subjects/{h.person_id}"))
        links.append(("Renew", api_docs_link(request, "POST", "/v1/legal/holds/{hold_id}/renewal")))
        links.append(("Release", api_docs_link(request, "POST", "/v1/legal/holds/{hold_id}/release")))
        ends = h.ends_at.date() if h.ends_at else None
        out.append(Deadline("Legal hold", f"Hold {h.id} ({h.kind.replace('_', ' ')}) ends", ends, today, links=tuple(links)))
    return out


def _fanout_deadlines(request: Request, uow: Any, today: date) -> list[Deadline]:
    """Recipients of deleted data staff must ask themselves, due with the deletion's answer (CCPA-15): those
    without an email, and those whose email the outbox gave up on. Confirmations are followed on the request's page.
    """
    try:
        from privet.requests import fanout
    except ImportError:  # the requests package is optional for the console
        return []
    out = []
    for f in fanout.views(uow, fanout.to_ask_by_hand(uow, limit=50)):
        where = f" (write to {f.address})" if f.address and f.channel == "by_hand" else ""
        failed = " (the email was not delivered)" if f.delivery == "dead" else ""
        what = f"Deletion request {f.request_id}: ask {f.recipient_name} to delete{where}{failed}"
        links = (
            ("The letter", api_docs_link(request, "GET", "/v1/deletion-fanouts/{fanout_id}/letter")),
            ("Record the outcome", api_docs_link(request, "POST", "/v1/deletion-fanouts/{fanout_id}/{outcome}")),
        )
        how = f"privet requests fanout-letter {f.id}, then privet requests fanout {f.id} asked --note …"
        out.append(Deadline("Deletion fan-out", what, f.due_on, today, links=links, how=how))
    return out


def _certification_deadline(uow: Any, today: date) -> Deadline:
    """The annual CPNI certification: due 1 March for the previous year; once prepared, the next one counts down."""
    year = today.year - 1
    due = date(today.year, *CERTIFICATION_DUE)
    prepared = _certifications_prepared(uow, {year})
    if year in prepared and today > due:
        year, due = today.year, date(today.year + 1, *CERTIFICATION_DUE)
        prepared = _certifications_prepared(uow, {year})
    done = year in prepared
    what = f"Annual CPNI certification for {year}" + (" (prepared)" if done else "")
    return Deadline(
        "CPNI certification", what, due, today, how=f"privet cpni certify --year {year} --officer … --title …", done=done
    )


def _certifications_prepared(uow: Any, years: set[int]) -> set[int]:
    """The years whose certification was prepared, from the audit log (`cpni.certification_prepared`)."""
    rows = uow.session.scalars(
        select(AuditEntry.data)
        .where(AuditEntry.action == "cpni.certification_prepared")
        .order_by(AuditEntry.seq.desc())
        .limit(20)
    )
    found = set()
    for data in rows:
        year = json.loads(data).get("year")
        if year in years:
            found.add(int(year))
    return found


# --- finding a subscriber: by person id, or by any identity they might give ---

SEARCH_KINDS = {
    "email": "Email address",
    "phone": "Phone number",
    "account_number": "Account number",
    "username": "Username",
}
SEARCH_LIMIT = 50


def search_people(uow: Any, kind: str, value: str) -> list[Person]:
    """Everyone an identity points to, in its canonical form (`subjects.identities.normalize`).

    An email, phone or username matches the identity itself and any current contact point of
    record; an account number matches every member of the account, holders first. Raises
    InvalidIdentity (with the normaliser's reason) for a value that is not one of its kind.
    """
    canonical = normalize(IdentityKind(kind), value)
    found: list[Person] = []
    if kind == IdentityKind.ACCOUNT_NUMBER:
        members = uow.session.scalars(
            select(AccountMember)
            .join(Account, AccountMember.account_id == Account.id)
            .where(Account.number == canonical)
            .order_by(AccountMember.role != "holder", AccountMember.person_id)
            .limit(SEARCH_LIMIT)
        )
        found += [m.person for m in members]
    found += uow.session.scalars(
        select(Person).join(Identity, Identity.person_id == Person.id).where(Identity.kind == kind, Identity.value == canonical)
    )
    if kind in ("email", "phone"):
        found += uow.session.scalars(
            select(Person)
            .join(ContactPoint, ContactPoint.person_id == Person.id)
            .where(ContactPoint.kind == kind, ContactPoint.value == canonical, ContactPoint.replaced_at.is_(None))
            .order_by(Person.id)
            .limit(SEARCH_LIMIT)
        )
    unique = {p.id: p for p in found}
    return list(unique.values())[:SEARCH_LIMIT]


def _find_page(runtime: Any, staff: Staff, status_code: int = 200, **more: Any) -> HTMLResponse:
    ctx = {"kinds": SEARCH_KINDS, "kind": "email", "error": "", "message": "", "results": None, "person_value": "", **more}
    return page("console/find.html", status_code=status_code, **context(runtime, staff, **ctx))


@router.get("/subjects", response_class=HTMLResponse, response_model=None)
def find_subject(runtime: RuntimeDep, person: str | None = None, session: ConsoleCookie = None) -> Response:
    """The search form; `?person=N` opens that person's page (a person id is privet's own, not personal data)."""
    staff = signed_in(runtime, session)
    if staff is None:
        return signin_redirect()
    require(staff, Permission.SUBJECTS_READ)
    if person is None:
        return _find_page(runtime, staff)
    wanted = person.strip()
    if not wanted.isdigit() or not 0 < int(wanted) < 2**31:
        return _find_page(runtime, staff, 422, error="A person id is a whole number, such as 1042.", person_value=person[:40])
    with runtime.uow(staff.principal.actor) as uow:
        exists = uow.session.get(Person, int(wanted)) is not None
        uow.record(
            "console.subject_searched",
            f"person:{int(wanted)}" if exists else None,
            kind="person_id",
            matches=int(exists),
            role=staff.principal.role,
        )
    if not exists:
        return _find_page(runtime, staff, message=f"No subscriber has person id {int(wanted)}.", person_value=wanted)
    return RedirectResponse(f"/console/subjects/{int(wanted)}", status_code=303)


@router.post("/subjects", response_model=None)
def search_subject(
    runtime: RuntimeDep,
    staff: Annotated[Staff, form_staff(Permission.SUBJECTS_READ)],
    kind: Annotated[str, Form(max_length=40)] = "",
    value: Annotated[str, Form(max_length=320)] = "",
) -> Response:
    """Search by identity. POST, so the email or number searched stays out of URLs, history and access logs.

    The audit entry names who searched, for what kind of identity and how many matched, never the
    value itself (as the API's `subject.looked_up` does). One match opens the subscriber's page;
    several are listed, masked for the role.
    """
    if kind not in SEARCH_KINDS:
        return _find_page(runtime, staff, 422, error="Choose what kind of identity to search by.")
    label = SEARCH_KINDS[kind].lower()
    if not value.strip():
        return _find_page(runtime, staff, 422, kind=kind, error=f"Enter the {label} to search for.")
    try:
        with runtime.uow(staff.principal.actor) as uow:
            people = search_people(uow, kind, value)
            uow.record(
                "console.subject_searched",
                f"person:{people[0].id}" if len(people) == 1 else None,
                kind=kind,
                matches=len(people),
                role=staff.principal.role,
            )
            results = [person_view(p, runtime.pack, staff.principal.role) for p in people]
    except InvalidIdentity as exc:
        return _find_page(runtime, staff, 422, kind=kind, error=f"{exc}. Check it and try again.")
    if len(results) == 1:
        return RedirectResponse(f"/console/subjects/{results[0].id}", status_code=303)
    if not results:
        return _find_page(runtime, staff, kind=kind, message=f"No subscriber has that {label}.")
    return _find_page(runtime, staff, kind=kind, results=results, message=f"{len(results)} subscribers have that {label}.")


@router.get("/subjects/{person_id}", response_class=HTMLResponse, response_model=None)
def subject(person_id: int, runtime: RuntimeDep, session: ConsoleCookie = None) -> Response:
    staff = signed_in(runtime, session)
    if staff is None:
        return signin_redirect()
    require(staff, Permission.SUBJECTS_READ)
    role = staff.principal.role
    with runtime.uow(staff.principal.actor) as uow:
        try:
            person = get_person(uow, person_id)
        except SubjectError:
            raise HTTPException(404, f"no person with id {person_id}") from None
        view = person_view(person, runtime.pack, role)
        accounts = [account_view(m.account, runtime.pack, role) for m in person.roles]
        choices: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        if staff.may(Permission.CONSENT_READ):
            states = ledger.current_choices(uow, person_id)
            for c in runtime.pack.choices:
                state = states.get(c.id)
                choices.append(
                    {
                        "name": c.name,
                        "id": c.id,
                        "value": state.value if state else c.default == "allowed",
                        "since": state.effective_at if state else None,
                        "set": state is not None,
                    }
                )
            events = [
                {"choice": e.choice_id, "value": e.value, "channel": e.channel, "actor": e.actor, "effective_at": e.effective_at}
                for e in ledger.history(uow, person_id)
            ]
        decisions: list[dict[str, Any]] = []
        if staff.may(Permission.AUDIT_READ):
            rows = uow.session.scalars(
                select(AuditEntry)
                .where(AuditEntry.subject == f"person:{person_id}", AuditEntry.action == "decision.made")
                .order_by(AuditEntry.seq.desc())
                .limit(20)
            )
            for row in rows:
                data = json.loads(row.data)
                decisions.append(
                    {
                        "at": row.at,
                        "actor": row.actor,
                        **{k: data.get(k) for k in ("purpose", "channel", "allowed", "basis", "rule")},
                    }
                )
        uow.record("console.subject_viewed", f"person:{person_id}", role=role)
    return page(
        "console/subject.html",
        **context(
            runtime,
            staff,
            person=view,
            accounts=accounts,
            choices=choices,
            events=events,
            decisions=decisions,
            may_cpni=_may_authenticate_cpni(staff),
        ),
    )


# --- the care rep's CPNI screen: authenticate a caller before discussing call detail (64.2010) ---

CPNI_CHANNELS = ("inbound_call", "call_back", "in_store")
CPNI_METHODS = ("password", "backup_answer", "pin", "number_of_record")


def _may_authenticate_cpni(staff: Staff) -> bool:
    from privet.cpni.routing import PROPOSED

    central = {p.value: p for p in Permission}
    if "cpni:authenticate" in central:
        return staff.may(central["cpni:authenticate"])
    return staff.principal.role in PROPOSED.get("cpni:authenticate", frozenset())


@router.get("/cpni/{person_id}", response_class=HTMLResponse, response_model=None)
def cpni_screen(person_id: int, runtime: RuntimeDep, result: int | None = None, session: ConsoleCookie = None) -> Response:
    from privet.cpni.auth import account_for, lawful_alternatives
    from privet.cpni.contacts import CpniError
    from privet.cpni.tables import Authentication

    staff = signed_in(runtime, session)
    if staff is None:
        return signin_redirect()
    if not _may_authenticate_cpni(staff):
        raise HTTPException(403, f"the {staff.principal.role} role may not authenticate callers for CPNI")
    outcome: dict[str, Any] | None = None
    with runtime.uow(staff.principal.actor) as uow:
        try:
            person = get_person(uow, person_id)
        except SubjectError:
            raise HTTPException(404, f"no person with id {person_id}") from None
        view = person_view(person, runtime.pack, staff.principal.role)
        row = uow.session.get(Authentication, result) if result is not None else None
        if row is not None and row.person_id == person_id:
            alternatives: tuple[str, ...] = ()
            if "call_detail" not in row.scopes:
                try:
                    alternatives = lawful_alternatives(person, account_for(person, None), uow.now().date())
                except CpniError:
                    alternatives = ()
            outcome = {
                "passed": row.passed,
                "scopes": row.scopes,
                "reason": row.reason,
                "rule": row.rule,
                "interaction": row.interaction_id,
                "expires_at": row.expires_at,
                "alternatives": alternatives,
            }
    return page(
        "console/cpni.html",
        **context(runtime, staff, person=view, outcome=outcome, channels=CPNI_CHANNELS, methods=CPNI_METHODS, error=""),
    )


@router.post("/cpni/{person_id}", response_model=None)
def cpni_authenticate(
    person_id: int,
    runtime: RuntimeDep,
    interaction_id: Annotated[str, Form(max_length=120)] = "",
    channel: Annotated[str, Form()] = "inbound_call",
    method: Annotated[str, Form()] = "password",
    secret: Annotated[str, Form(max_length=200)] = "",
    called_number: Annotated[str, Form(max_length=40)] = "",
    csrf: Annotated[str, Form()] = "",
    session: ConsoleCookie = None,
) -> Response:
    from privet.cpni import auth
    from privet.cpni.contacts import CpniError
    from privet.cpni.rules import Channel as CpniChannel
    from privet.cpni.rules import Method

    staff = signed_in(runtime, session)
    if staff is None:
        raise HTTPException(401, "sign in to the console first")
    check_csrf(staff.token, CSRF_PURPOSE, csrf)
    if not _may_authenticate_cpni(staff):
        raise HTTPException(403, f"the {staff.principal.role} role may not authenticate callers for CPNI")
    if channel not in CPNI_CHANNELS or method not in CPNI_METHODS:
        raise HTTPException(422, "choose a channel and a method from the form")
    attempt = auth.Attempt(
        interaction_id.strip(), CpniChannel(channel), Method(method), secret or None, None, called_number or None, None
    )
    try:
        with runtime.uow(staff.principal.actor) as uow:
            person = get_person(uow, person_id)
            outcome = auth.authenticate(uow, person, auth.account_for(person, None), attempt)
    except SubjectError:
        raise HTTPException(404, f"no person with id {person_id}") from None
    except CpniError as exc:
        with runtime.uow(staff.principal.actor) as uow:
            view = person_view(get_person(uow, person_id), runtime.pack, staff.principal.role)
        return page(
            "console/cpni.html",
            status_code=422,
            **context(runtime, staff, person=view, outcome=None, channels=CPNI_CHANNELS, methods=CPNI_METHODS, error=str(exc)),
        )
    return RedirectResponse(f"/console/cpni/{person_id}?result={outcome.authentication_id}", status_code=303)
