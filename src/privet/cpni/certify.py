"""The annual CPNI compliance certification (64.2009(e), CPNI-14), written from privet's own records.

Due on or before 1 March for the previous calendar year, filed in EB Docket No. 06-36. The
officer's certificate follows the FCC's template (personal knowledge, the accompanying
statement, data-broker actions, complaints); the accompanying statement is assembled from what
privet recorded in that year, so it says what the company did rather than what it intended:
how approvals were obtained and recorded, how customers were authenticated, which campaigns used
CPNI and who approved them, actions against data brokers, complaints by category and breaches
reported. Markdown for review, PDF for filing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, select

from privet.consent.ledger import CPNI_NOTICE
from privet.consent.tables import ConsentEvent
from privet.cpni import pdf
from privet.cpni.complaints import COMPLAINT_CATEGORIES
from privet.cpni.contacts import CpniError
from privet.cpni.tables import Authentication, Breach, BrokerAction, Campaign, Complaint
from privet.outbox.tables import OutboxMessage
from privet.policy.model import PolicyPack
from privet.policy.taxonomy import RegimeId
from privet.store.uow import UnitOfWork


@dataclass(frozen=True)
class Certification:
    year: int
    due: date
    company: str
    officer: str
    title: str
    blocks: tuple[tuple[str, str], ...]

    def markdown(self) -> str:
        prefix = {"h1": "# ", "h2": "## ", "li": "- ", "p": ""}
        parts = [prefix[style] + text for style, text in self.blocks if style != "page"]
        return "\n\n".join(parts) + "\n"

    def pdf(self) -> bytes:
        return pdf.render(self.blocks, f"CPNI certification {self.year}: {self.company}")


def _span(year: int) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)


def build(
    uow: UnitOfWork, pack: PolicyPack, *, year: int, officer: str, title: str, signed_on: date | None = None
) -> Certification:
    today = uow.now().date()
    if year >= today.year:
        raise CpniError(f"year: {year} has not ended; the certification covers a completed calendar year")
    if not officer.strip() or not title.strip():
        raise CpniError("officer: the certificate is signed by a named officer with a title")
    company = pack.provider.legal_name or pack.provider.name
    due = date(year + 1, 3, 1)
    start, end = _span(year)
    blocks: list[tuple[str, str]] = [
        ("h1", f"Annual 47 C.F.R. § 64.2009(e) CPNI Certification for {year}"),
        ("p", f"EB Docket No. 06-36. Covering calendar year {year}; due on or before {due:%B} 1, {year + 1}."),
        ("p", f"Company: {company}. Officer: {officer}, {title}. Date signed: {(signed_on or today).isoformat()}."),
        *_certificate(uow, company, officer, title, start, end),
        ("page", ""),
        ("h1", f"Accompanying statement: {company}, {year}"),
        *_approvals(uow, pack, start, end),
        *_authentication(uow, start, end),
        *_campaigns(uow, start, end),
        *_brokers_and_complaints(uow, year),
        *_breaches(uow, year),
    ]
    if today > due:
        blocks.insert(2, ("p", f"Note: prepared on {today}, after the filing date of {due}."))
    uow.record("cpni.certification_prepared", None, year=year, officer=officer)
    return Certification(year, due, company, officer, title, tuple(blocks))


def _certificate(
    uow: UnitOfWork, company: str, officer: str, title: str, start: datetime, end: datetime
) -> list[tuple[str, str]]:
    actions = uow.session.scalars(
        select(BrokerAction).where(BrokerAction.taken_on >= start.date(), BrokerAction.taken_on < end.date())
    ).all()
    complaints = uow.session.scalars(
        select(Complaint).where(Complaint.received_on >= start.date(), Complaint.received_on < end.date())
    ).all()
    brokers = (
        f"The company has taken the following actions against data brokers in the past year: {len(actions)} (see the statement)."
        if actions
        else "The company has not taken any actions against data brokers in the past year."
    )
    received = (
        f"The company has received {len(complaints)} customer complaints in the past year concerning the unauthorized release of CPNI, summarised in the statement."
        if complaints
        else "The company has not received any customer complaints in the past year concerning the unauthorized release of CPNI."
    )
    return [
        ("h2", "Officer's certificate"),
        (
            "p",
            f"I, {officer}, certify that I am an officer of {company}, and acting as an agent of the company, that I have "
            "personal knowledge that the company has established operating procedures that are adequate to ensure compliance "
            "with the Commission's CPNI rules. See 47 C.F.R. § 64.2001 et seq.",
        ),
        (
            "p",
            "Attached to this certification is an accompanying statement explaining how the company's procedures ensure that "
            "the company is in compliance with the requirements (including those mandating the adoption of CPNI procedures, "
            "training, recordkeeping, and supervisory review) set forth in section 64.2001 et seq. of the Commission's rules.",
        ),
        ("p", brokers),
        ("p", received),
        ("p", "The company represents and warrants that the above certification is consistent with 47 C.F.R. § 1.17."),
        ("p", f"Signed: ______________________________   {officer}, {title}"),
    ]


def _approvals(uow: UnitOfWork, pack: PolicyPack, start: datetime, end: datetime) -> list[tuple[str, str]]:
    choices = [c for c in pack.choices if c.regime is RegimeId.CPNI]
    ids = [c.id for c in choices] + [CPNI_NOTICE]
    events = uow.session.scalars(
        select(ConsentEvent).where(
            ConsentEvent.choice_id.in_(ids), ConsentEvent.received_at >= start, ConsentEvent.received_at < end
        )
    ).all()
    counts = Counter(e.kind for e in events)
    out: list[tuple[str, str]] = [("h2", "1. How customer approval is obtained and recorded")]
    if not choices:
        out.append(
            (
                "p",
                "The policy offers no CPNI approval choice: CPNI is used only where the law needs no approval (47 U.S.C. 222(c)(1), (d)).",
            )
        )
    for c in choices:
        ways = ", ".join(ch.value.replace("_", " ") for ch in c.channels) or "the channels the policy names"
        kept = f"; records are kept {c.records_kept}" if c.records_kept else "; records are kept at least one year"
        out.append(("li", f"{c.name} ({c.kind.replace('_', '-')}, default {c.default}): set through {ways}{kept}."))
    out.append(
        (
            "p",
            "Every approval, denial and notice is appended to a ledger with its channel, time and evidence before any use of "
            "CPNI, and each use is decided against the customer's current approval status (64.2009(a)). "
            f"In the year: {counts.get('opt_in', 0)} opt-ins, {counts.get('opt_out', 0)} opt-outs and "
            f"{counts.get('notice', 0)} opt-out notices recorded.",
        )
    )
    return out


def _authentication(uow: UnitOfWork, start: datetime, end: datetime) -> list[tuple[str, str]]:
    rows = uow.session.scalars(select(Authentication).where(Authentication.at >= start, Authentication.at < end)).all()
    by = Counter((a.channel, a.passed) for a in rows)
    count_notices = uow.session.scalar(
        select(func.count(OutboxMessage.id)).where(
            OutboxMessage.kind == "cpni.account_change", OutboxMessage.created_at >= start, OutboxMessage.created_at < end
        )
    )
    out: list[tuple[str, str]] = [
        ("h2", "2. Authentication and account security (64.2010)"),
        (
            "p",
            "Call detail is disclosed on a customer-initiated call only after a password set up without biographical or "
            "account prompts; otherwise it is sent to an address of record or given by calling back the number of record. "
            "Addresses and numbers count as of record after 30 days. Online access requires a password after initial "
            "authentication without biographical data; in store, a valid photo ID matching the account. Backup "
            "authentication never asks for SSN, date of birth, mother's maiden name, home address or account data; after a "
            "failed password and backup a new password must be set up. Passwords and answers are stored only as scrypt hashes.",
        ),
    ]
    for (channel, passed), n in sorted(by.items()):
        out.append(("li", f"{channel.replace('_', ' ')}: {n} authentications {'passed' if passed else 'failed'}."))
    out.append(("p", f"Account-change notices sent to the contact of record before the change: {count_notices or 0}."))
    return out


def _campaigns(uow: UnitOfWork, start: datetime, end: datetime) -> list[tuple[str, str]]:
    rows = uow.session.scalars(
        select(Campaign).where(Campaign.created_at >= start, Campaign.created_at < end).order_by(Campaign.id)
    ).all()
    out: list[tuple[str, str]] = [
        ("h2", "3. Marketing campaigns, records and supervisory review (64.2009(c), (d))"),
        (
            "p",
            f"{len(rows)} campaigns using CPNI were recorded. Outbound requests for approval start only after a supervisor approves them.",
        ),
    ]
    for c in rows:
        approval = (
            f"approved by {c.approved_by}"
            if c.approved_by
            else "no supervisory approval needed"
            if not (c.outbound and c.asks_for_cpni_approval)
            else "not approved"
        )
        out.append(
            (
                "li",
                f"{c.name}: uses {', '.join(c.cpni_used)}; offers {', '.join(c.products_offered)}; {approval}; reached {c.reached} of {c.audience}.",
            )
        )
    out.append(
        (
            "p",
            "Staff are trained on when CPNI may be used, and misuse is subject to an express disciplinary process (64.2009(b)).",
        )
    )
    return out


def _brokers_and_complaints(uow: UnitOfWork, year: int) -> list[tuple[str, str]]:
    first, last = date(year, 1, 1), date(year + 1, 1, 1)
    actions = uow.session.scalars(
        select(BrokerAction).where(BrokerAction.taken_on >= first, BrokerAction.taken_on < last).order_by(BrokerAction.taken_on)
    ).all()
    complaints = uow.session.scalars(select(Complaint).where(Complaint.received_on >= first, Complaint.received_on < last)).all()
    out: list[tuple[str, str]] = [("h2", "4. Actions against data brokers")]
    out += [("li", f"{a.taken_on}: {a.broker}: {a.action}") for a in actions] or [("p", "None in the year.")]
    out.append(("h2", "5. Customer complaints about unauthorized release of CPNI"))
    counts = Counter(c.category for c in complaints)
    out.append(("p", f"{len(complaints)} complaints received in the year."))
    out += [("li", f"{COMPLAINT_CATEGORIES[k].capitalize()}: {counts.get(k, 0)}.") for k in COMPLAINT_CATEGORIES]
    return out


def _breaches(uow: UnitOfWork, year: int) -> list[tuple[str, str]]:
    first, last = date(year, 1, 1), date(year + 1, 1, 1)
    rows = uow.session.scalars(
        select(Breach).where(Breach.determined_on >= first, Breach.determined_on < last).order_by(Breach.determined_on)
    ).all()
    out: list[tuple[str, str]] = [("h2", "6. Breaches reported (64.2011)")]
    for b in rows:
        reported = f"reported to law enforcement on {b.reported_on}" if b.reported_on else "not reported"
        notified = f"customers notified on {b.customers_notified_on}" if b.customers_notified_on else "customers not notified"
        out.append(("li", f"Breach {b.id}, determined {b.determined_on}: {b.data_description}; {reported}; {notified}."))
    if not rows:
        out.append(("p", "No breaches were determined in the year."))
    out.append(("p", "Breach records are kept at least two years; campaign and approval records at least one year."))
    return out
