"""Legal-process fixtures: the same database, world and clock as the CPNI suite's (`tests.cpni.fixtures`)."""

from __future__ import annotations

from tests.cpni.fixtures import cheap_scrypt, engine, inbox, module_world, world

__all__ = ["cheap_scrypt", "engine", "inbox", "module_world", "world"]
