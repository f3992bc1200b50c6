"""Everything a running privet needs: the database, the policy pack in force, and its version row.

Built once by `privet serve` (or a test) and handed to the API; CLI commands build their own.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from privet.decide.decider import Decider
from privet.policy.load import load_pack_or_raise, resolve_pack_path
from privet.policy.model import PolicyPack
from privet.store.db import make_engine, session_factory, utcnow
from privet.store.migrate import upgrade
from privet.store.uow import UnitOfWork
from privet.subjects.tables import PolicyVersion


@dataclass
class Runtime:
    engine: Engine
    factory: sessionmaker[Session]
    pack: PolicyPack
    policy_version_id: int
    history: tuple[PolicyPack, ...] = ()
    decider: Decider = field(init=False)

    def __post_init__(self) -> None:
        self.decider = Decider(self.pack, self.history)

    def uow(self, actor: str) -> UnitOfWork:
        return UnitOfWork(self.factory, actor)


def register_policy_version(factory: sessionmaker[Session], pack: PolicyPack, digest: str) -> int:
    """Record the pack version privet now runs under (once per version), returning its id."""
    with UnitOfWork(factory, "system") as uow:
        row = uow.session.scalars(
            select(PolicyVersion).where(PolicyVersion.pack_id == pack.pack.id, PolicyVersion.version == pack.pack.version)
        ).one_or_none()
        if row is not None:
            if row.sha256 != digest:
                uow.record("policy.version_content_changed", f"policy:{pack.pack.id}", version=pack.pack.version, sha256=digest)
                row.sha256 = digest
            return row.id
        row = PolicyVersion(
            pack_id=pack.pack.id,
            version=pack.pack.version,
            effective=pack.pack.effective,
            material_change=pack.pack.material_change,
            sha256=digest,
            loaded_at=uow.now(),
        )
        uow.session.add(row)
        uow.session.flush()
        uow.record("policy.version_registered", f"policy:{pack.pack.id}", version=pack.pack.version, sha256=digest)
        return row.id


def open_runtime(db_url: str, policy: Path, history: tuple[Path, ...] = ()) -> Runtime:
    """Load and check the pack (and earlier versions), migrate the database, and register the versions."""
    pack = load_pack_or_raise(policy)
    older = tuple(load_pack_or_raise(p) for p in history)
    digest = hashlib.sha256(resolve_pack_path(policy).read_bytes()).hexdigest()
    engine = make_engine(db_url)
    upgrade(engine)
    factory = session_factory(engine)
    for path, old in zip(history, older, strict=True):
        register_policy_version(factory, old, hashlib.sha256(resolve_pack_path(path).read_bytes()).hexdigest())
    version_id = register_policy_version(factory, pack, digest)
    return Runtime(engine, factory, pack, version_id, older)


__all__ = ["Runtime", "open_runtime", "register_policy_version", "utcnow"]
