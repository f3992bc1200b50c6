"""Entry points for the interfaces (CLI, API, maildir, SMTP): one unit of work per call, retried on a race.

Two intakes (the SMTP listener and a maildir drain, say) can receive the same notice at once;
the unique keys on notices make one of the transactions fail, and a retry then finds the other's
notice and records a duplicate. Nothing else is retried.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from privet.abuse.desk import Desk
from privet.abuse.intake import IntakeResult, ingest_batch
from privet.abuse.prepare import ParsePool, Prepared, prepare_all
from privet.abuse.settings import AbuseSettings
from privet.policy.model import PolicyPack
from privet.runtime import Runtime
from privet.store.db import utcnow
from privet.store.uow import UnitOfWork

RETRIES = 3


@dataclass(frozen=True)
class AbuseContext:
    factory: sessionmaker[Session]
    pack: PolicyPack
    settings: AbuseSettings = field(default_factory=AbuseSettings)
    clock: Callable[[], datetime] = utcnow

    @classmethod
    def of(
        cls, runtime: Runtime, settings: AbuseSettings | None = None, clock: Callable[[], datetime] | None = None
    ) -> AbuseContext:
        return cls(runtime.factory, runtime.pack, settings or AbuseSettings.from_env(), clock or utcnow)

    @contextmanager
    def desk(self, actor: str) -> Iterator[Desk]:
        with UnitOfWork(self.factory, actor, self.clock) as uow:
            yield Desk(uow, self.pack, self.settings)

    def ingest(self, items: Sequence[tuple[bytes, str]], actor: str, pool: ParsePool | None = None) -> list[IntakeResult]:
        """Parse (in `pool` when given), then ingest the batch in one unit of work."""
        return self.ingest_prepared(prepare_all(items, self.settings, pool), actor)

    def ingest_prepared(self, prepared: Sequence[Prepared], actor: str) -> list[IntakeResult]:
        """Ingest parsed notices in one unit of work, retrying when a concurrent intake stored one of them first."""
        for attempt in range(RETRIES):
            try:
                with self.desk(actor) as desk:
                    return ingest_batch(desk, prepared)
            except IntegrityError:
                if attempt == RETRIES - 1:
                    raise
        raise AssertionError("unreachable")
