"""Request kinds, regimes and the states a request moves through.

The transitions are a closed table: a request is answered exactly once, an extension or an
acknowledgement applies only to an open request, and a closed request cannot be reopened
(a new request is a new record, as CCPA 7101 counts them).
"""

from __future__ import annotations

from enum import StrEnum


class RequestKind(StrEnum):
    ACCESS = "access"  # specific pieces of personal information
    KNOW = "know"  # categories, sources, purposes, recipients
    DELETE = "delete"
    CORRECT = "correct"
    OPT_OUT_OF_SALE = "opt_out_of_sale"
    SHINE_THE_LIGHT = "shine_the_light"


class Regime(StrEnum):
    """The law whose clock and rules a request runs under; `policy` when only the provider's promise applies."""

    CCPA = "ccpa"
    NEVADA = "nevada"
    SHINE_THE_LIGHT = "shine_the_light"
    COPPA = "coppa"
    POLICY = "policy"


class Status(StrEnum):
    RECEIVED = "received"  # waiting for verification
    VERIFIED = "verified"  # ready to execute
    IN_PROGRESS = "in_progress"  # execution started (a deletion may be resumed)
    COMPLETED = "completed"
    DENIED = "denied"
    VERIFICATION_FAILED = "verification_failed"


class SubmittedBy(StrEnum):
    SUBJECT = "subject"
    AGENT = "agent"
    CARE_REP = "care_rep"
    SYSTEM = "system"


OPEN = frozenset({Status.RECEIVED, Status.VERIFIED, Status.IN_PROGRESS})
CLOSED = frozenset({Status.COMPLETED, Status.DENIED, Status.VERIFICATION_FAILED})

TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.RECEIVED: frozenset({Status.VERIFIED, Status.VERIFICATION_FAILED, Status.DENIED}),
    Status.VERIFIED: frozenset({Status.IN_PROGRESS, Status.COMPLETED, Status.DENIED}),
    Status.IN_PROGRESS: frozenset({Status.COMPLETED}),
    Status.COMPLETED: frozenset(),
    Status.DENIED: frozenset(),
    Status.VERIFICATION_FAILED: frozenset(),
}

# Kinds whose receipt must be confirmed within 10 business days (CCPA-01).
ACKNOWLEDGED = frozenset({RequestKind.ACCESS, RequestKind.KNOW, RequestKind.DELETE, RequestKind.CORRECT})

# Which kinds of pack right can serve a request of each kind (a CCPA "know" right covers specific pieces too).
SERVED_BY: dict[RequestKind, tuple[str, ...]] = {
    RequestKind.ACCESS: ("access", "know"),
    RequestKind.KNOW: ("know", "access"),
    RequestKind.DELETE: ("delete",),
    RequestKind.CORRECT: ("correct",),
    RequestKind.OPT_OUT_OF_SALE: ("opt_out_of_sale",),
    RequestKind.SHINE_THE_LIGHT: ("shine_the_light",),
}


class RequestError(ValueError):
    """A request operation that cannot be done, in plain words (an invalid transition, a late extension)."""


def check_transition(current: str, target: Status) -> None:
    status = Status(current)
    if target not in TRANSITIONS[status]:
        raise RequestError(f"a {status.value} request cannot become {target.value}")
