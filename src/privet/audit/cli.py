"""`privet audit …`: verify the chain (and its anchors), read recent entries, list checkpoints, prove one entry, anchor.

Exit codes follow the project: 0 the chain is intact, 1 verification found a problem (the message
names the entry), 2 the database cannot be opened or the input is bad.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, cast

import typer
from sqlalchemy import Engine, Table, select
from sqlalchemy.exc import SQLAlchemyError

from privet.audit.anchor import (
    AnchorError,
    append_anchor,
    check_anchors,
    load_private,
    load_public,
    make_anchor,
    new_key,
    read_anchors,
)
from privet.audit.encoding import canonical_time
from privet.audit.proof import ProofError, inclusion_proof
from privet.audit.tables import AuditCheckpoint, AuditEntry
from privet.audit.verify import DEFAULT_BATCH, verify_chain
from privet.store.db import database_url, make_engine
from privet.store.migrate import upgrade

app = typer.Typer(
    help="The tamper-evident audit chain: verify, show, tail, checkpoints, proof, and signed anchors kept outside the database.",
    no_args_is_help=True,
)

DbOpt = Annotated[str | None, typer.Option("--db", help="Database URL (default $PRIVET_DB, else sqlite:///privet.db)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output")]
SubjectOpt = Annotated[str | None, typer.Option("--subject", help="Only entries about this subject, e.g. person:12")]
ActionOpt = Annotated[str | None, typer.Option("--action", help="Only entries with this action")]
LimitOpt = Annotated[int, typer.Option("--limit", "-n", min=1, help="How many entries")]

_entries: Table = cast(Table, AuditEntry.__table__)
_checkpoints: Table = cast(Table, AuditCheckpoint.__table__)


@contextmanager
def _database(db: str | None) -> Iterator[Engine]:
    """An engine on a migrated database; exit 2 rather than create a new SQLite file by mistake."""
    url = database_url(db)
    engine = make_engine(url)
    try:
        name = engine.url.database
        if engine.url.get_backend_name() == "sqlite" and name and name != ":memory:" and not Path(name).exists():
            typer.echo(f"error: no database at {url}", err=True)
            raise typer.Exit(2)
        upgrade(engine)
        yield engine
    except SQLAlchemyError as exc:
        typer.echo(f"error: database {engine.url!r}: {exc.__class__.__name__}: {str(exc).splitlines()[0]}", err=True)
        raise typer.Exit(2) from None
    finally:
        engine.dispose()


AnchorsOpt = Annotated[
    Path | None, typer.Option("--anchors", help="Also check the chain against the anchors in this file (privet audit anchor)")
]
PublicKeyOpt = Annotated[
    list[Path] | None,
    typer.Option("--public-key", help="A public key the anchors are signed with (repeat it for keys rotated out)"),
]


@app.command()
def verify(
    db: DbOpt = None,
    as_json: JsonOpt = False,
    batch_size: Annotated[int, typer.Option(min=1)] = DEFAULT_BATCH,
    anchors: AnchorsOpt = None,
    public_key: PublicKeyOpt = None,
) -> None:
    """Walk the whole chain; exit 1 and name the first entry altered, removed or reordered, or any anchor it contradicts."""
    if (anchors is None) != (not public_key):
        typer.echo("error: --anchors and --public-key go together", err=True)
        raise typer.Exit(2)
    try:
        keys = [load_public(path) for path in public_key or []]
        lines = anchors.read_text(encoding="utf-8").splitlines() if anchors is not None else []
    except (AnchorError, OSError, UnicodeDecodeError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    with _database(db) as engine:
        started = time.perf_counter()
        result = verify_chain(engine, batch_size=batch_size)
        read, unreadable = read_anchors(lines)
        contradicted = unreadable + (check_anchors(engine, read, keys) if anchors is not None else [])
        seconds = round(time.perf_counter() - started, 3)
    ok = result.ok and not contradicted
    if as_json:
        report = {**result.as_dict(), "ok": ok, "seconds": seconds}
        if anchors is not None:
            report["anchors"] = {"checked": len(read), "problems": [asdict(p) for p in contradicted]}
        typer.echo(json.dumps(report, indent=2))
        raise typer.Exit(0 if ok else 1)
    if result.problem is None:
        typer.echo(
            f"audit chain intact: {result.entries} entries, {result.checkpoints} checkpoints, "
            f"head seq {result.head_seq} ({result.head_hash[:12]}…), verified in {seconds} s"
        )
    else:
        p = result.problem
        typer.echo(f"audit chain TAMPERED at entry {p.seq} ({p.kind}): {p.message}")
    if anchors is not None:
        if contradicted:
            for a in contradicted:
                typer.echo(f"anchor on line {a.line} of {anchors}: {a.message}" if a.line else f"{anchors}: {a.message}")
        else:
            typer.echo(f"{len(read)} anchor(s) in {anchors} agree with the chain")
    raise typer.Exit(0 if ok else 1)


@app.command("anchor-key")
def anchor_key(
    private: Annotated[Path, typer.Option("--private", help="Where to write the signing key (kept off the database host)")],
    public: Annotated[Path, typer.Option("--public", help="Where to write its public half (given to whoever verifies)")],
) -> None:
    """Create the Ed25519 key anchors are signed with; an existing key is never overwritten."""
    try:
        kid = new_key(private, public)
    except (AnchorError, OSError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"key {kid}: private {private} (mode 0600), public {public}")


@app.command()
def anchor(
    key: Annotated[Path, typer.Option("--key", help="The signing key (privet audit anchor-key)")],
    out: Annotated[Path, typer.Option("--out", help="The anchor file to append to: keep it where the database's writers cannot")],
    db: DbOpt = None,
) -> None:
    """Sign the chain's head as it stands and append the anchor to a file; the line is printed too, to ship elsewhere."""
    try:
        signing = load_private(key)
        with _database(db) as engine:
            made = make_anchor(engine, signing, datetime.now(UTC))
        append_anchor(out, made)
    except (AnchorError, OSError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(made.line())


def _entry_dict(row: Any) -> dict[str, Any]:
    return {
        "seq": row.seq,
        "at": canonical_time(row.at),
        "actor": row.actor,
        "action": row.action,
        "subject": row.subject,
        "data": json.loads(row.data),
        "hash": row.hash,
    }


def _print_entries(rows: list[Any], as_json: bool) -> None:
    entries = [_entry_dict(r) for r in rows]
    if as_json:
        typer.echo(json.dumps(entries, indent=2, ensure_ascii=False))
        return
    for e in entries:
        data = json.dumps(e["data"], ensure_ascii=False, sort_keys=True)
        typer.echo(f"{e['seq']:>8}  {e['at']}  {e['actor']}  {e['action']}  {e['subject'] or '-'}  {data}")


def _filtered(subject: str | None, action: str | None) -> Any:
    query = select(_entries)
    if subject is not None:
        query = query.where(_entries.c.subject == subject)
    if action is not None:
        query = query.where(_entries.c.action == action)
    return query


@app.command()
def tail(
    db: DbOpt = None, limit: LimitOpt = 20, subject: SubjectOpt = None, action: ActionOpt = None, as_json: JsonOpt = False
) -> None:
    """The most recent entries, oldest first."""
    with _database(db) as engine, engine.connect() as conn:
        rows = conn.execute(_filtered(subject, action).order_by(_entries.c.seq.desc()).limit(limit)).all()
    _print_entries(list(reversed(rows)), as_json)


@app.command()
def show(
    db: DbOpt = None,
    after: Annotated[int, typer.Option("--after", help="Entries after this seq")] = 0,
    limit: LimitOpt = 50,
    subject: SubjectOpt = None,
    action: ActionOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Entries in order from --after on (page with --after SEQ), e.g. everything about one subject."""
    with _database(db) as engine, engine.connect() as conn:
        rows = conn.execute(_filtered(subject, action).where(_entries.c.seq > after).order_by(_entries.c.seq).limit(limit)).all()
    _print_entries(list(rows), as_json)


@app.command()
def checkpoints(db: DbOpt = None, limit: LimitOpt = 20, as_json: JsonOpt = False) -> None:
    """The latest checkpoint roots: publish them outside the database to anchor the chain."""
    with _database(db) as engine, engine.connect() as conn:
        rows = conn.execute(select(_checkpoints).order_by(_checkpoints.c.last_seq.desc()).limit(limit)).all()
    items = [
        {"id": r.id, "first_seq": r.first_seq, "last_seq": r.last_seq, "last_hash": r.last_hash, "merkle_root": r.merkle_root}
        for r in reversed(rows)
    ]
    if as_json:
        typer.echo(json.dumps(items, indent=2))
        return
    for i in items:
        typer.echo(f"#{i['id']:<6} {i['first_seq']:>8}..{i['last_seq']:<8} root {i['merkle_root']}")


@app.command()
def proof(seq: Annotated[int, typer.Argument(help="The entry to prove")], db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """An inclusion proof of one entry in its checkpoint's Merkle root; exit 1 if it does not verify."""
    try:
        with _database(db) as engine:
            p = inclusion_proof(engine, seq)
    except ProofError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    valid = p.verify()
    if as_json:
        typer.echo(json.dumps({**p.as_dict(), "valid": valid}, indent=2))
    else:
        typer.echo(f"entry {p.seq} ({p.entry_hash}) is leaf {p.index} of {p.size} in checkpoint #{p.checkpoint_id}")
        typer.echo(f"root {p.merkle_root}: {'valid' if valid else 'INVALID'}")
        for step in p.path:
            typer.echo(f"  {step}")
    raise typer.Exit(0 if valid else 1)
