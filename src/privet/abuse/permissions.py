"""The abuse desk's permissions, and the one decision the desk takes on a role itself: reactivation.

Routes check these through `privet.api.deps.require`; the command line has no token, so
`privet abuse reactivate` names the deciding role and `may_reactivate` checks it against the
same table.
"""

from __future__ import annotations

from privet.access.permissions import Permission, allows

ABUSE_READ = Permission.ABUSE_READ
ABUSE_INGEST = Permission.ABUSE_INGEST
ABUSE_WORK = Permission.ABUSE_WORK
ABUSE_ASSIGNMENTS = Permission.ABUSE_ASSIGNMENTS
ABUSE_REACTIVATE = Permission.ABUSE_REACTIVATE


def may_reactivate(role: str) -> bool:
    """Whether `role` may bring back an account terminated for abuse."""
    return allows(role, ABUSE_REACTIVATE)
