"""IP addresses and prefixes as the assignment index stores them: family, prefix length, network bytes.

An assignment covers a prefix (a single address is a /32 or /128). Looking up an address means
masking it to each prefix length in use and asking for that exact network, so the index is a
plain B-tree equality on (family, prefix length, network) on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Prefix:
    family: int  # 4 or 6
    length: int
    network: bytes

    def __str__(self) -> str:
        return str(ipaddress.ip_network((self.network, self.length)))


def parse_address(text: str) -> IPAddress:
    """An address, accepting IPv4-mapped IPv6 as the IPv4 address it is; ValueError otherwise."""
    value = ipaddress.ip_address(text.strip().strip("[]"))
    if isinstance(value, ipaddress.IPv6Address) and value.ipv4_mapped is not None:
        return value.ipv4_mapped
    return value


def clean_ip(text: str | None) -> str | None:
    """The canonical text of an address, or None when `text` is not one."""
    if not text:
        return None
    try:
        return str(parse_address(text))
    except ValueError:
        return None


def parse_prefix(text: str) -> Prefix:
    """A prefix from `a.b.c.d`, `a.b.c.d/n` or an IPv6 equivalent; host bits must be zero."""
    raw = text.strip()
    if "/" not in raw:
        address = parse_address(raw)
        return Prefix(address.version, address.max_prefixlen, address.packed)
    network = ipaddress.ip_network(raw, strict=True)
    return Prefix(network.version, network.prefixlen, network.network_address.packed)


def family_of(address: IPAddress) -> int:
    return address.version


def masked(address: IPAddress, length: int) -> bytes:
    """The network bytes of `address` at prefix `length`."""
    bits = address.max_prefixlen
    value = int(address) >> (bits - length) << (bits - length) if length else 0
    return value.to_bytes(bits // 8, "big")


def contains(prefix: Prefix, address: IPAddress) -> bool:
    return prefix.family == address.version and masked(address, prefix.length) == prefix.network
