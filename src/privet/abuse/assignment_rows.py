"""Reading assignment rows: field access that names the field in every error, and the records each kind makes.

DHCP leases, RADIUS accounting (start, stop, interim-update), static assignments and CGNAT port
blocks all become the same record: a prefix (and port block) held by an account, or by an inside
address behind the NAT, from `start_s` to `end_s`, tiered by duration for the lookup index.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from privet.abuse.addresses import Prefix, parse_address, parse_prefix
from privet.abuse.attribution import tier_for
from privet.abuse.timeparse import parse_time, to_epoch
from privet.store.uow import UnitOfWork
from privet.subjects.identities import IdentityKind, InvalidIdentity, normalize
from privet.subjects.service import find_person


class BadRow(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def read_rows(path: Path) -> Iterator[dict[str, Any]]:
    """Rows of a .csv file (header line) or a .json file (a list, or an object with `records`)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            yield from csv.DictReader(handle)
    elif suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8-sig"))
        rows = data.get("records") if isinstance(data, dict) else data
        if not isinstance(rows, list):
            raise ValueError("a JSON assignment file is a list of rows, or an object with a 'records' list")
        yield from rows
    else:
        raise ValueError(f"cannot import '{suffix or path.name}': use a .csv or .json file")


class Reader:
    """Field access for one row, raising `BadRow` that names the field."""

    def __init__(self, row: dict[str, Any], assume_utc: bool) -> None:
        self.row = {str(k).strip().lower(): v for k, v in row.items() if k is not None}
        self.assume_utc = assume_utc

    def get(self, *names: str) -> str | None:
        for name in names:
            value = self.row.get(name)
            if value is not None and str(value).strip() != "":
                return str(value).strip()
        return None

    def need(self, *names: str) -> str:
        value = self.get(*names)
        if value is None:
            raise BadRow(names[0], "is required")
        return value

    def time(self, *names: str, required: bool = True) -> int | None:
        raw = self.need(*names) if required else self.get(*names)
        if raw is None:
            return None
        found = parse_time(raw)
        if found is None:
            raise BadRow(names[0], f"{raw!r} is not a time")
        if found.assumed_utc and not self.assume_utc:
            raise BadRow(names[0], f"{raw!r} has no time zone; give 'Z' or an offset, or import with --assume-utc")
        return to_epoch(found.at)

    def prefix(self, *names: str) -> Prefix:
        raw = self.need(*names)
        try:
            return parse_prefix(raw)
        except ValueError as exc:
            raise BadRow(names[0], f"{raw!r} is not an address or prefix ({exc})") from None

    def port(self, name: str) -> int:
        raw = self.need(name)
        if not raw.isdigit() or not 0 <= int(raw) <= 65535:
            raise BadRow(name, f"{raw!r} is not a port number (0-65535)")
        return int(raw)


class Accounts:
    """Account numbers, normalised, and usernames resolved to their one account (cached per import)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.cache: dict[str, str] = {}

    def of(self, reader: Reader) -> str | None:
        number = reader.get("account", "account_number")
        if number is not None:
            try:
                return normalize(IdentityKind.ACCOUNT_NUMBER, number)
            except InvalidIdentity as exc:
                raise BadRow("account", str(exc)) from None
        username = reader.get("username", "user_name", "user-name")
        if username is None:
            return None
        if username not in self.cache:
            self.cache[username] = self._resolve(username)
        return self.cache[username]

    def _resolve(self, username: str) -> str:
        try:
            person = find_person(self.uow, IdentityKind.USERNAME, username)
        except InvalidIdentity as exc:
            raise BadRow("username", str(exc)) from None
        if person is None:
            raise BadRow("username", f"no subscriber has the username {username!r}")
        numbers = sorted(
            {m.account.number for m in person.roles if m.role == "holder"} or {m.account.number for m in person.roles}
        )
        if len(numbers) != 1:
            raise BadRow("username", f"username {username!r} belongs to {len(numbers)} accounts; give the account instead")
        return numbers[0]


def record(kind: str, prefix: Prefix, start: int, end: int | None, **extra: Any) -> dict[str, Any]:
    if end is not None and end < start:
        raise BadRow("end", "ends before it starts")
    return {
        "kind": kind,
        "family": prefix.family,
        "prefix_len": prefix.length,
        "network": prefix.network,
        "tier": tier_for(start, end),
        "start_s": start,
        "end_s": end,
        "port_lo": extra.get("port_lo"),
        "port_hi": extra.get("port_hi"),
        "account_number": extra.get("account_number"),
        "inside_address": extra.get("inside_address"),
        "session_id": extra.get("session_id"),
    }


def _holder(accounts: Accounts, reader: Reader, *, inside_ok: bool = False) -> dict[str, Any]:
    account = accounts.of(reader)
    inside = reader.get("inside_address", "internal_address", "private_address") if inside_ok else None
    if account is None and inside is None:
        raise BadRow("account", "is required (or username" + (", or inside_address)" if inside_ok else ")"))
    if inside is not None:
        try:
            inside = str(parse_address(inside))
        except ValueError:
            raise BadRow("inside_address", f"{inside!r} is not an address") from None
    return {"account_number": account, "inside_address": inside}


def convert(kind: str, reader: Reader, accounts: Accounts) -> list[dict[str, Any]] | tuple[str, str, int]:
    """The records a row makes, or for a RADIUS stop the (session, address key, stop time) it closes."""
    if kind == "dhcp":
        prefix = reader.prefix("address", "ip", "ip_address")
        start = reader.time("start", "starts", "lease_start")
        return [
            record(kind, prefix, start or 0, reader.time("end", "ends", "lease_end", required=False), **_holder(accounts, reader))
        ]
    if kind == "static":
        prefix = reader.prefix("prefix", "address", "network")
        start = reader.time("start", required=False) or 0
        return [record(kind, prefix, start, reader.time("end", required=False), **_holder(accounts, reader))]
    if kind == "cgnat":
        prefix = reader.prefix("address", "public_address", "outside_address")
        if prefix.length != (32 if prefix.family == 4 else 128):
            raise BadRow("address", "a CGNAT block is on one public address, not a prefix")
        lo, hi = reader.port("port_first"), reader.port("port_last")
        if hi < lo:
            raise BadRow("port_last", "is lower than port_first")
        start = reader.time("start")
        holder = _holder(accounts, reader, inside_ok=True)
        return [record(kind, prefix, start or 0, reader.time("end", required=False), port_lo=lo, port_hi=hi, **holder)]
    return _radius(reader, accounts)


def _radius(reader: Reader, accounts: Accounts) -> list[dict[str, Any]] | tuple[str, str, int]:
    event = reader.need("event", "acct_status_type", "status").lower().replace("-", "_")
    session = reader.need("session_id", "acct_session_id")
    at = reader.time("time", "event_timestamp", "timestamp")
    assert at is not None
    if event in ("interim", "interim_update", "alive"):
        return []
    if event not in ("start", "stop"):
        raise BadRow("event", f"{event!r} is not start, stop or interim-update")
    prefixes = []
    for name in ("address", "framed_ip_address", "framed_ipv6_prefix", "delegated_ipv6_prefix"):
        if reader.get(name):
            prefixes.append(reader.prefix(name))
    if not prefixes:
        raise BadRow("address", "a RADIUS record needs an address or an IPv6 prefix")
    if event == "stop":
        duration = reader.get("session_time", "acct_session_time")
        if duration is None:
            return (session, ",".join(str(p) for p in prefixes), at)
        if not duration.isdigit():
            raise BadRow("session_time", f"{duration!r} is not a number of seconds")
        holder = _holder(accounts, reader)
        return [record("radius", p, at - int(duration), at, session_id=session, **holder) for p in prefixes]
    holder = _holder(accounts, reader)
    return [record("radius", p, at, None, session_id=session, **holder) for p in prefixes]
