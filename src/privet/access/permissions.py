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
    CPNI_AUTHENTICATE = "cpni:authenticate"
    CPNI_DISCLOSE = "cpni:disclose"
    CPNI_CREDENTIALS = "cpni:credentials"
    CPNI_RECORDS = "cpni:records"
    CPNI_APPROVE = "cpni:approve"
    CPNI_BREACHES = "cpni:breaches"
    LEGAL_READ = "legal:read"
    LEGAL_WRITE = "legal:write"
    LEGAL_RELEASE = "legal:release"
    REQUESTS_CREATE = "requests:create"
    REQUESTS_READ = "requests:read"
    REQUESTS_MANAGE = "requests:manage"
    DATASETS_READ = "datasets:read"
    ABUSE_READ = "abuse:read"
    ABUSE_INGEST = "abuse:ingest"
    ABUSE_WORK = "abuse:work"
    ABUSE_ASSIGNMENTS = "abuse:assignments"
    ABUSE_REACTIVATE = "abuse:reactivate"


P = Permission

_CONSENT = {P.CONSENT_READ, P.CONSENT_WRITE, P.DECISIONS_CREATE}
_CPNI_DESK = {P.CPNI_AUTHENTICATE, P.CPNI_DISCLOSE, P.CPNI_CREDENTIALS}
_ABUSE_DESK = {P.ABUSE_READ, P.ABUSE_INGEST, P.ABUSE_WORK, P.ABUSE_ASSIGNMENTS}

ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "admin": frozenset(Permission),
    "privacy_officer": frozenset(
        {P.POLICY_READ, P.SUBJECTS_READ, P.AUDIT_READ, P.OUTBOX_READ, *_CONSENT, P.AUDIENCES_CREATE}
        | {P.CPNI_RECORDS, P.CPNI_APPROVE, P.CPNI_BREACHES, P.LEGAL_READ}
        | {P.REQUESTS_CREATE, P.REQUESTS_READ, P.REQUESTS_MANAGE, P.DATASETS_READ, P.ABUSE_READ}
    ),
    "care_rep": frozenset(
        {P.POLICY_READ, P.SUBJECTS_READ, P.SUBJECTS_WRITE, *_CONSENT, *_CPNI_DESK, P.REQUESTS_CREATE, P.REQUESTS_READ}
    ),
    # A billing clerk looks up the customer whose bill or failed payment they are working on.
    "billing": frozenset({P.POLICY_READ, P.SUBJECTS_READ}),
    "abuse_desk": frozenset({P.POLICY_READ, P.SUBJECTS_READ, P.ACCOUNTS_STATUS, P.OUTBOX_READ, *_ABUSE_DESK}),
    "legal": frozenset(
        {P.POLICY_READ, P.SUBJECTS_READ, P.AUDIT_READ, P.CONSENT_READ, P.DECISIONS_CREATE}
        | {P.CPNI_BREACHES, P.LEGAL_READ, P.LEGAL_WRITE, P.LEGAL_RELEASE, P.REQUESTS_READ, P.ABUSE_READ}
    ),
    "marketing": frozenset({P.POLICY_READ, P.DECISIONS_CREATE, P.AUDIENCES_CREATE, P.CPNI_RECORDS}),
    "service_integration": frozenset(
        {
            P.POLICY_READ,
            P.SUBJECTS_READ,
            P.SUBJECTS_WRITE,
            P.SUBJECTS_IMPORT,
            P.ACCOUNTS_STATUS,
            *_CONSENT,
            P.AUDIENCES_CREATE,
            *_CPNI_DESK,
            P.REQUESTS_CREATE,
            P.REQUESTS_READ,
            P.DATASETS_READ,
            P.ABUSE_INGEST,
            P.ABUSE_ASSIGNMENTS,
        }
    ),
}


def permissions_for(role: str) -> frozenset[Permission]:
    return ROLE_PERMISSIONS.get(role, frozenset({P.POLICY_READ}))


def allows(role: str, permission: Permission) -> bool:
    return permission in permissions_for(role)
