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

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from privet.consent.ledger import POLICY_ACCEPTANCE_PREFIX
from privet.consent.tables import ConsentState, PolicyAnnouncement
from privet.decide.bulk import compute_audience, record_audience
from privet.decide.engine import Request
from privet.outbox.queue import Outgoing
from privet.policy.check import known_purposes
from privet.policy.diff import Change, changes_since_previous, diff_packs
from privet.policy.model import PolicyPack
from privet.policy.render import name_of
from privet.policy.taxonomy import Channel, RecipientKind
from privet.runtime import Runtime
from privet.store.db import utcnow
from privet.store.uow import UnitOfWork
from privet.subjects.service import email_addresses
from privet.subjects.tables import Person, PolicyVersion

NOTICE_CATEGORIES = ("user.name", "user.contact.email")
NOTICE_PURPOSE = "essential.service.notifications.email"
MESSAGE_KIND = "policy.material_change"
TAXONOMY_KEY = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)+")
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
    nothing_material: int = 0  # their own version differs from the new one in nothing material
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


BASIS_WORDS = {
    "required": "without a choice",
    "unless_opted_out": "unless you opt out",
    "only_with_opt_in": "only with your consent",
    "never": "never",
}


def said(pack: PolicyPack, changes: Sequence[Change]) -> list[str]:
    """The material changes in a reader's words, once each: taxonomy keys, recipient ids and consent bases are
    named as the pack and the notice name them (a recipient added and the rule that uses it read as one change)."""
    recipients = {r.id: r.name for r in pack.recipients}

    def named(value: str) -> str:
        if value in recipients:
            return recipients[value]
        if value in BASIS_WORDS:
            return BASIS_WORDS[value]
        if " -> " in value:  # a purpose and the recipient it serves
            purpose, _, recipient = value.partition(" -> ")
            return f"{named(purpose)}, by {named(recipient)}"
        return ", ".join(name_of(part, pack) if TAXONOMY_KEY.fullmatch(part) else part for part in value.split(", "))

    out: list[str] = []
    for change in changes:
        what = change.reason[:1].upper() + change.reason[1:]
        detail = change.after or change.before
        line = f"{what}: {named(detail)}" if detail and len(detail) <= 200 else what
        if line not in out:
            out.append(line)
    return out


class Letters:
    """The announcement as each person's data calls for it, one letter per version their data is under.

    Whose data stays under its version is decided as the decision point decides it
    (`Decider.governing`): when the pack keeps older data under its version and that version is
    loaded, the letter lists what materially changed from it and says the data stays under it;
    otherwise (no version recorded, a version not loaded, or a pack that does not keep older data
    under its version) the new version governs, and the letter says so, listing the changes from
    the version before. A person whose own version differs from the new one in nothing material
    is not written to. The letters carry no personal data.
    """

    def __init__(self, runtime: Runtime, previous: list[Change], base_url: str, today: date) -> None:
        self.pack, self.decider = runtime.pack, runtime.decider
        self.loaded = {p.pack.version: p for p in runtime.history}
        self.previous, self.base_url, self.today = previous, base_url.rstrip("/"), today
        self._made: dict[str | None, tuple[str, str] | None] = {}

    def governed_by(self, version: str | None) -> str | None:
        """The older version that governs data collected under `version`, or None when the new one does
        (the decision point's rule; an older version that is not loaded leaves the new one governing)."""
        older = self.decider.keeps_under(version)
        return older if older in self.loaded else None

    def for_version(self, version: str | None) -> tuple[str, str] | None:
        key = self.governed_by(version)
        if key not in self._made:
            self._made[key] = self._write(key)
        return self._made[key]

    def _write(self, pinned: str | None) -> tuple[str, str] | None:
        pack = self.pack
        effective = pack.pack.effective
        if pinned is not None:
            changes = [c for c in diff_packs(self.loaded[pinned], pack) if c.material]
            if not changes:
                return None
            closing = (
                f"Information we collected from you under version {pinned} of the policy stays under that version: "
                "the new uses reach it only if you accept them."
            )
        else:
            changes = self.previous
            closing = f"The new version applies to your information from {effective:%d %B %Y}."
        when = "takes" if effective >= self.today else "took"
        lines = [
            f"We have changed the {pack.provider.name} privacy policy. The new version ({pack.pack.version}) {when} "
            f"effect on {effective:%d %B %Y}. These changes affect how personal information is handled:",
            "",
            *(f"- {line}" for line in said(pack, changes)),
            "",
            closing,
            f"The policy and a list of everything that changed: {self.base_url}/privacy",
        ]
        return f"Changes to the {pack.provider.name} privacy policy", "\n".join(lines)


def announce(
    runtime: Runtime,
    *,
    base_url: str,
    purpose: str = NOTICE_PURPOSE,
    dry_run: bool = False,
    at: datetime | None = None,
    actor: str = "announcements",
) -> Announcement:
    """Email the material changes of the version in force to everyone it concerns and may be written to.

    People are written to in batches, each committed with its messages and its
    `policy_announcements` rows, so a run that stops midway is run again and tells only the rest;
    the run itself is audited however it ends.
    """
    pack = runtime.pack
    previous, changes = material_changes(runtime)
    first_party = next((r.id for r in pack.recipients if r.kind is RecipientKind.FIRST_PARTY), None)
    if first_party is None:
        raise AnnouncementError("the pack names no first-party recipient to send the announcement as")
    if purpose not in known_purposes(pack):
        raise AnnouncementError(f"purpose: '{purpose}' is not a purpose of this pack")
    if not base_url.startswith(("https://", "http://")):
        raise AnnouncementError(f"base url: '{base_url}' is not an http(s) address a reader can open")
    moment = at or utcnow()
    use = Request(NOTICE_CATEGORIES, purpose, first_party, "email")
    summary, ids = compute_audience(runtime.engine, runtime.decider, use, moment, with_ids=True)
    done = Announcement(pack.pack.version, previous.pack.version, said(pack, changes), dry_run=dry_run)
    done.people, done.may_be_written_to = summary["total"], summary["eligible"]
    done.denied_by_reason = dict(summary["denied_by_reason"])
    letters = Letters(runtime, changes, base_url, moment.date())
    finished = False
    try:
        for start in range(0, len(ids), BATCH):
            _send_batch(runtime, actor, letters, list(ids[start : start + BATCH]), done)
        finished = True
    finally:
        with runtime.uow(actor) as uow:
            record_audience(uow, use, moment, summary, announcement=done.version)
            if not dry_run:
                uow.record("policy.change_announced", f"policy:{pack.pack.id}", finished=finished, **done.as_dict())
    return done


def _send_batch(runtime: Runtime, actor: str, letters: Letters, people: list[int], done: Announcement) -> None:
    try:
        with runtime.uow(actor) as uow:
            to_tell = _to_tell(uow, runtime, letters, people, done)
            if done.dry_run or not to_tell:
                done.sent += len(to_tell)  # in a dry run: would be sent
                return
            sent = uow.send_many(
                [
                    Outgoing(MESSAGE_KIND, "email", email, subject, body, related=f"person:{pid}")
                    for pid, email, (subject, body) in to_tell
                ]
            )
            now = uow.now()
            uow.session.add_all(
                PolicyAnnouncement(version=done.version, person_id=pid, channel="email", message_id=mid, sent_at=now)
                for (pid, _, _), mid in zip(to_tell, sent, strict=True)
            )
    except IntegrityError:
        raise AnnouncementError(
            f"another run is announcing version {done.version} at the same time; run again once it has ended "
            "(nobody is told twice)"
        ) from None
    done.sent += len(sent)


def _to_tell(
    uow: UnitOfWork, runtime: Runtime, letters: Letters, people: list[int], done: Announcement
) -> list[tuple[int, str, tuple[str, str]]]:
    """Of people the decision point lets privet write to: those the change concerns, not told yet, with an email,
    each with the letter their data calls for."""
    session, version = uow.session, done.version
    under = dict(
        session.execute(
            select(Person.id, PolicyVersion.version)
            .outerjoin(PolicyVersion, PolicyVersion.id == Person.policy_version_id)
            .where(Person.id.in_(people))
        ).all()
    )
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
    concerned: list[tuple[int, tuple[str, str]]] = []
    for pid in people:
        letter = letters.for_version(under.get(pid))
        if under.get(pid) == version or pid in accepted:
            done.under_this_version += 1
        elif pid in told:
            done.told_before += 1
        elif letter is None:
            done.nothing_material += 1
        else:
            concerned.append((pid, letter))
    emails = email_addresses(uow, [pid for pid, _ in concerned])
    done.no_email += sum(1 for pid, _ in concerned if pid not in emails)
    return [(pid, emails[pid], letter) for pid, letter in concerned if pid in emails]
