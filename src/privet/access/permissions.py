"""What each staff role may do through the API. Deny by default.

Roles come from the policy pack (`roles:`); what a role may *see* is the pack's `may_see`
grants, applied by `masking.py`. What a role may *do* is this table, keyed by the standard
role ids the packs share. A role the table does not know may read the policy and nothing else.
"""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    POLICY_READ = "policy:read"
    SUBJECTS_READ = "subjects:read"
    SUBJECTS_WRITE = "subjects:write"
    SUBJECTS_IMPORT = "subjects:import"
    ACCOUNTS_STATUS = "accounts:status"
    AUDIT_READ = "audit:read"
    OUTBOX_READ = "outbox:read"
    TOKENS_MANAGE = "tokens:manage"
    CONSENT_READ = "consent:read"
    CONSENT_WRITE = "consent:write"
    DECISIONS_CREATE = "decisions:create"
    AUDIENCES_CREATE = "audiences:create"


P = Permission

ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "admin": frozenset(Permission),
    "privacy_officer": frozenset(
        {
            P.POLICY_READ,
            P.SUBJECTS_READ,
            P.AUDIT_READ,
            P.OUTBOX_READ,
            P.CONSENT_READ,
            P.CONSENT_WRITE,
            P.DECISIONS_CREATE,
            P.AUDIENCES_CREATE,
        }
    ),
    "care_rep": frozenset(
        {P.POLICY_READ, P.SUBJECTS_READ, P.SUBJECTS_WRITE, P.CONSENT_READ, P.CONSENT_WRITE, P.DECISIONS_CREATE}
    ),
    "abuse_desk": frozenset({P.POLICY_READ, P.SUBJECTS_READ, P.ACCOUNTS_STATUS, P.OUTBOX_READ}),
    "legal": frozenset({P.POLICY_READ, P.SUBJECTS_READ, P.AUDIT_READ, P.CONSENT_READ, P.DECISIONS_CREATE}),
    "marketing": frozenset({P.POLICY_READ, P.DECISIONS_CREATE, P.AUDIENCES_CREATE}),
    "service_integration": frozenset(
        {
            P.POLICY_READ,
            P.SUBJECTS_READ,
            P.SUBJECTS_WRITE,
            P.SUBJECTS_IMPORT,
            P.ACCOUNTS_STATUS,
            P.CONSENT_READ,
            P.CONSENT_WRITE,
            P.DECISIONS_CREATE,
            P.AUDIENCES_CREATE,
        }
    ),
}

FULL_VISIBILITY_ROLES = frozenset({"admin", "privacy_officer", "legal"})


def permissions_for(role: str) -> frozenset[Permission]:
    return ROLE_PERMISSIONS.get(role, frozenset({P.POLICY_READ}))


def allows(role: str, permission: Permission) -> bool:
    return permission in permissions_for(role)
