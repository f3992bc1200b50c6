"""The abuse desk's permissions, named as proposed for `privet.access.permissions.Permission`.

Until the access table defines them, each falls back to the nearest existing permission so
routes stay guarded (deny by default): reading cases needs what reading subscribers needs,
working them what changing account status needs, and reactivating a terminated account what
only the administrator holds. Once the values exist, `Permission.__members__` returns them and
the fallbacks are dead code.
"""

from __future__ import annotations

from privet.access.permissions import Permission, allows


def _permission(name: str, interim: Permission) -> Permission:
    return Permission.__members__.get(name, interim)


ABUSE_READ = _permission("ABUSE_READ", Permission.SUBJECTS_READ)
ABUSE_INGEST = _permission("ABUSE_INGEST", Permission.ACCOUNTS_STATUS)
ABUSE_WORK = _permission("ABUSE_WORK", Permission.ACCOUNTS_STATUS)
ABUSE_ASSIGNMENTS = _permission("ABUSE_ASSIGNMENTS", Permission.ACCOUNTS_STATUS)
ABUSE_REACTIVATE = _permission("ABUSE_REACTIVATE", Permission.TOKENS_MANAGE)


def may_reactivate(role: str) -> bool:
    """Whether `role` may bring back an account terminated for abuse."""
    return allows(role, ABUSE_REACTIVATE)
