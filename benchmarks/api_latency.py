"""`POST /v1/decisions` latency under concurrent clients on loopback: p50, p99 and throughput.

Starts `privet serve` as a subprocess on a free loopback port with a fresh SQLite database,
imports synthetic subscribers through `privet subjects import`, then runs N concurrent
clients (asyncio + httpx, keep-alive) for a fixed time, each posting decisions for random
people and campaign shapes. Every decision is audited by the server (one SQLite write each),
as in production. The server and the clients share this machine's cores.

    .venv/bin/python benchmarks/api_latency.py --clients 16 --seconds 20

Prints one JSON line per client count.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
PACK = ROOT / "policies" / "000-metronet"
SHAPES = [
    {"categories": ["user.contact.email", "user.name"], "purpose": "marketing.communications.email", "recipient": "first-party", "channel": "email"},
    {"categories": ["user.contact.phone_number"], "purpose": "marketing.communications.sms", "recipient": "first-party", "channel": "sms"},
    {"categories": ["user.telecom.cpni"], "purpose": "marketing.cpni", "recipient": "affiliates"},
    {"categories": ["user.device.cookie_id"], "purpose": "marketing.advertising.third_party.targeted", "recipient": "ad-networks"},
    {"categories": ["user.name", "user.contact"], "purpose": "essential.service", "recipient": "first-party"},
]  # fmt: skip
STATES = ["CA", "TX", "NY", "ME", "NV", "FL", "KS", "WA"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def subscribers(path: Path, n: int, rng: random.Random) -> None:
    fields = [
        "account_number",
        "account_type",
        "service_state",
        "billing_state",
        "person_id",
        "full_name",
        "emails",
        "birth_date",
        "services",
    ]
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fields)
        writer.writeheader()
        for i in range(n):
            state = rng.choice(STATES)
            writer.writerow(
                {
                    "account_number": f"B{i:07d}", "account_type": rng.choice(["residential", "residential", "business"]),
                    "service_state": state, "billing_state": state, "person_id": f"Q{i}", "full_name": f"Person {i}",
                    "emails": f"p{i}@example.net", "birth_date": f"{rng.randint(1940, 2015)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                    "services": ";".join(rng.sample(["broadband", "voice", "wireless", "cable", "email"], rng.randint(1, 3))),
                }
            )  # fmt: skip


async def client(
    url: str, token: str, people: int, until: float, warm_until: float, seed: int, out: list[float], errors: list[int]
) -> None:
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as http:
        while (now := time.perf_counter()) < until:
            body = {**rng.choice(SHAPES), "person_id": rng.randint(1, people)}
            start = time.perf_counter()
            response = await http.post("/v1/decisions", json=body)
            took = time.perf_counter() - start
            if response.status_code != 200:
                errors.append(response.status_code)
            elif now >= warm_until:
                out.append(took)


async def load(url: str, token: str, people: int, clients: int, seconds: float, warmup: float) -> dict[str, Any]:
    latencies: list[float] = []
    errors: list[int] = []
    start = time.perf_counter()
    warm_until, until = start + warmup, start + warmup + seconds
    await asyncio.gather(*(client(url, token, people, until, warm_until, i, latencies, errors) for i in range(clients)))
    latencies.sort()
    q = statistics.quantiles(latencies, n=100) if len(latencies) >= 100 else [float("nan")] * 99
    return {
        "clients": clients, "seconds": seconds, "requests": len(latencies), "errors": len(errors),
        "per_second": round(len(latencies) / seconds, 1), "p50_ms": round(q[49] * 1000, 2), "p99_ms": round(q[98] * 1000, 2),
        "max_ms": round(latencies[-1] * 1000, 2) if latencies else None,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--people", type=int, default=2000)
    args = parser.parse_args()
    privet = [sys.executable, "-m", "privet"]
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{Path(tmp) / 'privet.db'}"
        people_csv = Path(tmp) / "people.csv"
        subscribers(people_csv, args.people, random.Random(1))
        subprocess.run(
            [*privet, "subjects", "import", str(people_csv), "--db", db, "--policy", str(PACK)], check=True, capture_output=True
        )
        port = free_port()
        log_path = Path(tmp) / "serve.log"
        with log_path.open("w") as log:  # a file, not a pipe: the access log must never block the server
            server = subprocess.Popen(
                [*privet, "serve", "--db", db, "--policy", str(PACK), "--port", str(port)], stdout=log, stderr=log
            )
        try:
            url = f"http://127.0.0.1:{port}"
            for _ in range(300):
                try:
                    if httpx.get(f"{url}/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            found = re.search(r"(pvt_\S+)", log_path.read_text())
            assert found, "privet serve did not print its first admin token"
            token = found.group(1)
            for clients in args.clients:
                result = asyncio.run(load(url, token, args.people, clients, args.seconds, args.warmup))
                print(
                    json.dumps({"server": "privet serve (uvicorn, 1 process), SQLite, every decision audited", **result}),
                    flush=True,
                )
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
