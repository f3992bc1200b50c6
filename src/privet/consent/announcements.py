"""Announcing a material policy change to the people whose data it concerns (seed 002, 6: "announced by email").

When the pack in force is a version marked `material_change` and its `material_change_notice`
names email, everyone whose data stays under an earlier version is sent one email saying what
materially changed, from the same classified diff `privet policy diff` prints, and how their
data is handled from now on. People who joined under the new version or already accepted it
have nothing to be told.

Who may be written to is decided, not assumed: the announcement is an audience (`decide.bulk`)
for the pack's notice use (name and email, a service-notice purpose, the provider itself, by
email), so a rule that stops mail to deactivated accounts stops this announcement as well
(seed 002 promises that people who closed their account hear nothing more of policy changes).
Each person is told once per version (`policy_announcements`): a run cut short is run again
and sends only what is left. The email is the same for everyone and carries no personal data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from privet.consent.ledger import POLICY_ACCEPTANCE_PREFIX
from privet.consent.tables import ConsentState, PolicyAnnouncement
from privet.decide.bulk import compute_audience
from privet.decide.engine import Request
from privet.outbox.queue import Outgoing
from privet.policy.diff import Change, changes_since_previous
from privet.policy.model import PolicyPack
from privet.policy.taxonomy import Channel, RecipientKind
from privet.runtime import Runtime
from privet.store.db import utcnow
from privet.store.uow import UnitOfWork
from privet.subjects.tables import ContactPoint, Identity, Person

NOTICE_CATEGORIES = ("user.name", "user.contact.email")
NOTICE_PURPOSE = "essential.service.notifications.email"
MESSAGE_KIND = "policy.material_change"
BATCH = 500


class AnnouncementError(ValueError):
    """Nothing can be announced, in plain words (the version is not material, no earlier version is loaded…)."""


@dataclass
class Announcement:
    """What a run did: how many people the store holds, how many the decision point let privet write to, and
    of those how many were sent the email or left out, and why."""

    version: str
    previous: str
    changes: list[str]
    people: int = 0
    may_be_written_to: int = 0
    denied_by_reason: dict[str, int] = field(default_factory=dict)
    under_this_version: int = 0
    told_before: int = 0
    no_email: int = 0
    sent: int = 0
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def material_changes(runtime: Runtime) -> tuple[PolicyPack, list[Change]]:
    """The version before the one in force and its material changes; refused when there is nothing to announce."""
    pack = runtime.pack
    if not pack.pack.material_change:
        raise AnnouncementError(f"version {pack.pack.version} is not marked as a material change; there is nothing to announce")
    if Channel.EMAIL not in pack.statements.material_change_notice:
        raise AnnouncementError(f"version {pack.pack.version} does not say material changes are announced by email")
    previous, changes = changes_since_previous(pack, runtime.history)
    if previous is None:
        raise AnnouncementError("no earlier version is loaded: give the version it replaces with --history")
    material = [c for c in changes if c.material]
    if not material:
        raise AnnouncementError(f"nothing material changed from version {previous.pack.version} to {pack.pack.version}")
    return previous, material


def said(pack: PolicyPack, changes: Sequence[Change]) -> list[str]:
    """The changes in words, once each: a recipient named by its id (as a rule names it) is named as the pack names it."""
    names = {r.id: r.name for r in pack.recipients}
    out: list[str] = []
    for change in changes:
        what = change.reason[:1].upper() + change.reason[1:]
        after = names.get(change.after, change.after) if change.after else None
        line = f"{what}: {after}" if after and len(after) <= 120 else what
        if line not in out:
            out.append(line)
    return out


def message(pack: PolicyPack, previous: PolicyPack, changes: Sequence[Change], base_url: str) -> tuple[str, str]:
    """The announcement's subject and body: the same for everyone, with no personal data in it."""
    provider, version = pack.provider.name, pack.pack.version
    lines = [
        f"We have changed the {provider} privacy policy. The new version ({version}) takes effect on "
        f"{pack.pack.effective:%d %B %Y}. These changes affect how personal information is handled:",
        "",
        *(f"- {line}" for line in said(pack, changes)),
        "",
    ]
    if pack.statements.older_data_keeps_version:
        lines.append(
            f"Information we collected from you under the earlier version ({previous.pack.version}) stays under it: "
            "the new uses reach it only if you accept them."
        )
    else:
        lines.append(f"The new version applies to your information from {pack.pack.effective:%d %B %Y}.")
    lines.append(f"The policy and a list of everything that changed: {base_url.rstrip('/')}/privacy")
    return f"Changes to the {provider} privacy policy", "\n".join(lines)


def announce(
    runtime: Runtime,
    *,
    base_url: str,
    purpose: str = NOTICE_PURPOSE,
    dry_run: bool = False,
    at: datetime | None = None,
    actor: str = "announcements",
) -> Announcement:
    """Email the material changes of the version in force to everyone it concerns and may be written to."""
    pack = runtime.pack
    previous, changes = material_changes(runtime)
    first_party = next((r.id for r in pack.recipients if r.kind is RecipientKind.FIRST_PARTY), None)
    if first_party is None:
        raise AnnouncementError("the pack names no first-party recipient to send the announcement as")
    moment = at or utcnow()
    summary, ids = compute_audience(
        runtime.engine, runtime.decider, Request(NOTICE_CATEGORIES, purpose, first_party, "email"), moment, with_ids=True
    )
    version = pack.pack.version
    done = Announcement(version, previous.pack.version, said(pack, changes), dry_run=dry_run)
    done.people, done.may_be_written_to = summary["total"], summary["eligible"]
    done.denied_by_reason = dict(summary["denied_by_reason"])
    subject, body = message(pack, previous, changes, base_url)
    for start in range(0, len(ids), BATCH):
        with runtime.uow(actor) as uow:
            to_tell = _to_tell(uow, runtime, list(ids[start : start + BATCH]), done)
            if dry_run or not to_tell:
                done.sent += len(to_tell)  # in a dry run: would be sent
                continue
            sent = uow.send_many(
                [Outgoing(MESSAGE_KIND, "email", email, subject, body, related=f"person:{pid}") for pid, email in to_tell]
            )
            now = uow.now()
            uow.session.add_all(
                PolicyAnnouncement(version=version, person_id=pid, channel="email", message_id=mid, sent_at=now)
                for (pid, _), mid in zip(to_tell, sent, strict=True)
            )
            done.sent += len(sent)
    if not dry_run:
        with runtime.uow(actor) as uow:
            uow.record("policy.change_announced", f"policy:{pack.pack.id}", **done.as_dict())
    return done


def _to_tell(uow: UnitOfWork, runtime: Runtime, people: list[int], done: Announcement) -> list[tuple[int, str]]:
    """Of people the decision point lets privet write to: those the change concerns, not told yet, with an email."""
    session, version = uow.session, done.version
    under = dict(session.execute(select(Person.id, Person.policy_version_id).where(Person.id.in_(people))).all())
    accepted = set(
        session.scalars(
            select(ConsentState.person_id).where(
                ConsentState.person_id.in_(people),
                ConsentState.choice_id == POLICY_ACCEPTANCE_PREFIX + version,
                ConsentState.value.is_(True),
            )
        )
    )
    told = set(
        session.scalars(
            select(PolicyAnnouncement.person_id).where(
                PolicyAnnouncement.version == version, PolicyAnnouncement.person_id.in_(people)
            )
        )
    )
    concerned = []
    for pid in people:
        if under.get(pid) == runtime.policy_version_id or pid in accepted:
            done.under_this_version += 1
        elif pid in told:
            done.told_before += 1
        else:
            concerned.append(pid)
    emails = _emails(uow, concerned)
    done.no_email += sum(1 for pid in concerned if pid not in emails)
    return [(pid, emails[pid]) for pid in concerned if pid in emails]


def _emails(uow: UnitOfWork, people: list[int]) -> dict[int, str]:
    """Each person's email of record (the live one most recently of record), else their first email identity."""
    if not people:
        return {}
    found: dict[int, tuple[date, str]] = {}
    for pid, value, since in uow.session.execute(
        select(ContactPoint.person_id, ContactPoint.value, ContactPoint.of_record_since).where(
            ContactPoint.person_id.in_(people), ContactPoint.kind == "email", ContactPoint.replaced_at.is_(None)
        )
    ):
        if pid not in found or since > found[pid][0]:
            found[pid] = (since, value)
    emails = {pid: value for pid, (_, value) in found.items()}
    for pid, kind, value in uow.session.execute(
        select(Identity.person_id, Identity.kind, Identity.value).where(Identity.person_id.in_(people)).order_by(Identity.id)
    ):
        if kind == "email":
            emails.setdefault(pid, value)
    return emails
