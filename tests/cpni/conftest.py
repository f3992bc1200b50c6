"""CPNI fixtures: a migrated database per module and backend, cheap scrypt, a hand-set clock (`fixtures`)."""

from __future__ import annotations

from tests.cpni.fixtures import cheap_scrypt, engine, inbox, module_world, world

__all__ = ["cheap_scrypt", "engine", "inbox", "module_world", "world"]
