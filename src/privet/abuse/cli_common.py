"""What the abuse commands share: opening the store and the pack, and the desk settings, for a command."""

from __future__ import annotations

from pathlib import Path

from privet.abuse.service import AbuseContext
from privet.cliopts import fail, runtime_for


def context(db: str | None, policy: Path | None) -> AbuseContext:
    """The abuse context for a command; a bad `PRIVET_ABUSE_*` setting is a usage error (exit 2)."""
    runtime = runtime_for(db, policy)
    try:
        return AbuseContext.of(runtime)
    except ValueError as exc:
        fail(str(exc))
