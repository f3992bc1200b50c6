"""Draining a maildir: what `privet abuse watch` does with the folder a mail server delivers abuse@ to.

Messages are read from `new/` as bytes (the evidence must be exactly what arrived, so the
`mailbox` module, which rewrites line endings, is not used), ingested in batches, and moved to
`cur/` marked seen only after their batch committed. A crash mid-batch leaves the files in
`new/` and the next drain takes them again; the duplicate check makes that harmless. Files over
the size limit are never read into memory: their digest is computed in chunks and the refusal
recorded.
"""

from __future__ import annotations

import gc
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from privet.abuse.intake import IntakeResult, record_oversized
from privet.abuse.prepare import ParsePool, Pending, Prepared, prepare_all
from privet.abuse.service import AbuseContext

BATCH = 500


class NotAMaildir(ValueError):
    pass


@dataclass
class DrainReport:
    messages: int = 0
    results: list[IntakeResult] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for result in self.results:
            out[result.status] = out.get(result.status, 0) + 1
        return out


def check(folder: Path) -> None:
    missing = [d for d in ("new", "cur", "tmp") if not (folder / d).is_dir()]
    if missing:
        raise NotAMaildir(f"{folder} is not a maildir (no {', '.join(missing)} folder)")


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _seen(path: Path, folder: Path) -> None:
    name = path.name if ":2," in path.name else f"{path.name}:2,S"
    os.replace(path, folder / "cur" / name)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Hold Python's cyclic garbage collector while a batch is written.

    Writing a batch allocates tens of thousands of short-lived objects (mapped rows, parameter
    tuples, messages, audit entries). With the default thresholds the collector makes a pass
    every 700 allocations and, every so often, a full pass over everything the process holds
    (the policy pack, the mapped classes), which together took about a fifth of the writer's
    time. Reference counting still frees the batch's objects as they go; once the batch is
    written the collector resumes and sweeps the young generations for any cycles it left. It
    is process-wide, so only the drain, which owns its process, uses it.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
            gc.collect(1)  # the young generations only: what the batch left behind, not the whole process


def drain(
    ctx: AbuseContext, folder: Path, *, actor: str = "maildir", batch: int = BATCH, pool: ParsePool | None = None
) -> DrainReport:
    """Ingest every message now in `new/`, oldest first, batch by batch.

    With a `pool`, each batch is handed to the parse workers before the previous one is written,
    so parsing and writing overlap.
    """
    check(folder)
    report = DrainReport()
    arrived = _arrived(folder / "new")
    chunks = [arrived[i : i + batch] for i in range(0, len(arrived), batch)]

    def start(chunk: list[tuple[Path, int]]) -> tuple[Pending | list[Prepared], list[Path], int]:
        items, readable = _load(ctx, chunk, report, actor, folder)
        work: Pending | list[Prepared] = (
            Pending(items, ctx.settings, pool) if pool is not None and items else prepare_all(items, ctx.settings)
        )
        return work, readable, len(chunk)

    upcoming = start(chunks[0]) if chunks else None
    for index in range(len(chunks)):
        assert upcoming is not None
        with collector_paused():
            work, readable, count = upcoming
            upcoming = start(chunks[index + 1]) if index + 1 < len(chunks) else None
            prepared = work.result() if isinstance(work, Pending) else work
            if prepared:
                report.results.extend(ctx.ingest_prepared(prepared, actor))
            for path in readable:
                _seen(path, folder)
            report.messages += count
    return report


def _arrived(new: Path) -> list[tuple[Path, int]]:
    """The messages in `new/` with their sizes, oldest first (one `stat` each: a drain may face tens of thousands)."""
    found: list[tuple[float, str, Path, int]] = []
    with os.scandir(new) as entries:
        for entry in entries:
            if entry.name.startswith(".") or not entry.is_file():
                continue
            info = entry.stat()
            found.append((info.st_mtime, entry.name, Path(entry.path), info.st_size))
    found.sort()
    return [(path, size) for _, _, path, size in found]


def _load(
    ctx: AbuseContext, chunk: list[tuple[Path, int]], report: DrainReport, actor: str, folder: Path
) -> tuple[list[tuple[bytes, str]], list[Path]]:
    """Read a batch's files; a file over the size limit is refused (its digest recorded) without being read."""
    items: list[tuple[bytes, str]] = []
    readable: list[Path] = []
    for path, size in chunk:
        if size > ctx.settings.max_message_bytes:
            with ctx.desk(actor) as desk:
                report.results.append(record_oversized(desk, size=size, digest=_digest(path), channel="maildir"))
            _seen(path, folder)
            continue
        items.append((path.read_bytes(), "maildir"))
        readable.append(path)
    return items, readable
