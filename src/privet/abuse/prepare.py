"""Parsing ahead of the transaction, optionally in worker processes.

Parsing is pure CPU work on bytes and is the largest single cost of intake, so it happens before
the unit of work opens (the database write lock is then held only for the writing) and, for a
large batch such as a maildir drain, in a pool of worker processes while the main process
writes the previous batch. A parser failure of any kind costs one notice, never the batch.
"""

from __future__ import annotations

import hashlib
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from types import TracebackType

from privet.abuse import dmca
from privet.abuse.parse import ParsedNotice, Refused, parse_notice
from privet.abuse.settings import AbuseSettings

CHUNK = 64


@dataclass
class Prepared:
    raw: bytes
    channel: str
    sha256: str
    parsed: ParsedNotice | None
    refusal: str | None

    keys: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        """What identifies a repeat: the bytes, the Message-ID, the sender's own case id."""
        keys = [("sha256", self.sha256)]
        if self.parsed is not None and self.parsed.message_id:
            keys.append(("message_id", self.parsed.message_id))
        case_key = self.parsed.case_key if self.parsed is not None else None
        if case_key:
            keys.append(("case_key", case_key))
        self.keys = tuple(keys)


def _parse(raw: bytes, settings: AbuseSettings) -> tuple[str, ParsedNotice | None, str | None]:
    digest = hashlib.sha256(raw).hexdigest()
    try:
        notice = parse_notice(raw, settings)
        if notice.violation == "copyright":
            notice.dmca_elements = dmca.notice_elements(notice)
        return digest, notice, None
    except Refused as exc:
        return digest, None, exc.reason
    except Exception as exc:  # a parser bug must cost one notice, not the intake
        return digest, None, f"the notice could not be parsed ({exc.__class__.__name__})"


def _parse_chunk(raws: list[bytes], settings: AbuseSettings) -> list[tuple[str, ParsedNotice | None, str | None]]:
    return [_parse(raw, settings) for raw in raws]


class ParsePool:
    """Worker processes for parsing (started with `forkserver`, so no database connection is inherited)."""

    def __init__(self, workers: int) -> None:
        self.executor = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver"))

    def __enter__(self) -> ParsePool:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.executor.shutdown(cancel_futures=True)


class Pending:
    """A batch being parsed in the pool while the caller writes the previous one."""

    def __init__(self, items: Sequence[tuple[bytes, str]], settings: AbuseSettings, pool: ParsePool) -> None:
        self.items = list(items)
        raws = [raw for raw, _ in self.items]
        chunks = [raws[i : i + CHUNK] for i in range(0, len(raws), CHUNK)]
        self.futures = [pool.executor.submit(_parse_chunk, chunk, settings) for chunk in chunks]

    def result(self) -> list[Prepared]:
        parsed = [p for future in self.futures for p in future.result()]
        return [Prepared(raw, channel, d, n, r) for (raw, channel), (d, n, r) in zip(self.items, parsed, strict=True)]


def prepare_all(items: Sequence[tuple[bytes, str]], settings: AbuseSettings, pool: ParsePool | None = None) -> list[Prepared]:
    raws = [raw for raw, _ in items]
    if pool is None or len(raws) < 2 * CHUNK:
        parsed = [_parse(raw, settings) for raw in raws]
    else:
        chunks = [raws[i : i + CHUNK] for i in range(0, len(raws), CHUNK)]
        parsed = [p for done in pool.executor.map(_parse_chunk, chunks, [settings] * len(chunks)) for p in done]
    return [
        Prepared(raw, channel, digest, notice, refusal)
        for (raw, channel), (digest, notice, refusal) in zip(items, parsed, strict=True)
    ]
