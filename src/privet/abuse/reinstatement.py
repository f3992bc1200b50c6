"""The abuse desk's guard on accounts it terminated, for status changes made outside the desk.

The subscriber API's generic status change (`POST /v1/accounts/{number}/status`) takes any
role holding `accounts:status` (the abuse desk, the billing integration) and any non-empty
reason. Left alone it would bring back an account the abuse desk terminated with neither a
reinstatement decision nor the ladder reset: the termination would stay in force on the desk's
books while the subscriber is online again, and a further strike would not terminate. So an
account whose disconnection is an abuse termination in force (a `termination` or
`immediate_termination` step not revoked, and the account still disconnected) leaves that
status only the way the desk's own reactivation allows: by a role holding `abuse:reactivate`,
with a recorded reason, to active, through `ladder.reactivate` (which records the step,
revokes the earlier ones and audits `abuse.reactivated`). Each refusal is audited too.

This lives in the abuse package, not in the subscriber service, because what counts as an
abuse termination and who may undo one are the desk's rules; the route asks it first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

from privet.abuse import ladder
from privet.abuse.desk import Desk
from privet.abuse.permissions import may_reactivate
from privet.abuse.tables import AbuseAction
from privet.policy.model import PolicyPack
from privet.store.uow import UnitOfWork
from privet.subjects.service import get_account
from privet.subjects.tables import Account


class Refused(Exception):
    """A status change the guard will not make; `status`, `title` and `field` shape the problem document."""

    def __init__(self, status: int, title: str, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.field = status, title, detail, field


@dataclass(frozen=True)
class Terminated:
    account: Account
    action: AbuseAction


def abuse_termination(desk: Desk, number: str) -> Terminated | None:
    """The account and the desk's termination in force on it, if the desk terminated it and it is still disconnected."""
    account = get_account(desk.uow, number)
    if account.status != "disconnected":
        return None
    action = ladder.terminated(desk, account.number)
    return Terminated(account, action) if action is not None else None


def change_status(uow: UnitOfWork, pack: PolicyPack, number: str, to_status: str, reason: str, role: str) -> Account | None:
    """Make a status change the abuse desk's termination governs; None when it does not govern this account.

    Moving a terminated account to active by a role that may reactivate, with a reason, is the
    desk's reactivation. Anything else that would take it out of `disconnected` raises `Refused`
    (403 for the role, 422 for a blank reason, 409 for a target other than active) after
    auditing the attempt in `uow`, so the caller should let `uow` commit and then answer.
    """
    desk = Desk(uow, pack)
    found = abuse_termination(desk, number)
    if found is None or to_status == "disconnected":
        return None
    account = found.account
    if not may_reactivate(role):
        _refuse(
            uow, account, to_status, role, 403, "Forbidden",
            f"account {account.number} was terminated by the abuse desk; the {role} role may not reactivate it",
        )  # fmt: skip
    if not reason.strip():
        _refuse(
            uow, account, to_status, role, 422, "Invalid request",
            "reason: reactivating an account terminated for abuse needs a recorded reason", field="reason",
        )  # fmt: skip
    if to_status != "active":
        _refuse(
            uow, account, to_status, role, 409, "Conflict",
            f"account {account.number} was terminated by the abuse desk; it can only be reactivated (to active)",
        )  # fmt: skip
    ladder.reactivate(desk, account, reason.strip(), role)
    return account


def _refuse(
    uow: UnitOfWork, account: Account, to_status: str, role: str, status: int, title: str, detail: str, field: str | None = None
) -> NoReturn:
    uow.record(
        "abuse.reactivation_refused", f"account:{account.number}", role=role, to_status=to_status, status=status, detail=detail
    )
    raise Refused(status, title, detail, field)
