"""`privet serve` really starts: it creates and migrates the database, prints an admin token once, and answers."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import POLICIES


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(db: Path, port: int) -> tuple[subprocess.Popen[str], list[str]]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "privet",
            "serve",
            "--policy",
            str(POLICIES / "000-metronet"),
            "--db",
            f"sqlite:///{db}",
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    deadline = time.monotonic() + 60
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip())
        if "privet: serving" in line:
            break
    base = f"http://127.0.0.1:{port}"
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return proc, lines
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("privet serve did not come up:\n" + "\n".join(lines))


def stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_serve_creates_the_database_and_prints_an_admin_token_once(tmp_path: Path) -> None:
    db = tmp_path / "fresh.db"
    port = free_port()
    proc, lines = start(db, port)
    try:
        assert db.exists()
        token = next(line.strip() for line in lines if line.strip().startswith("pvt_"))
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/v1/policy", timeout=5).status_code == 401
        policy = httpx.get(f"{base}/v1/policy", headers={"Authorization": f"Bearer {token}"}, timeout=5)
        assert policy.status_code == 200 and policy.json()["id"] == "metronet"
        assert httpx.get(f"{base}/openapi.json", timeout=5).json()["info"]["title"] == "privet"
    finally:
        stop(proc)
    proc, lines = start(db, port)
    try:
        assert not any(line.strip().startswith("pvt_") for line in lines), "a second start must not mint another admin token"
    finally:
        stop(proc)
