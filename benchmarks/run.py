"""Truce benchmarks (not part of the test suite): seeding time, then HTTP under load.

    .venv/bin/python benchmarks/run.py [--postgres] [--sizes 100000,1000000] [--duration 20]

For each size: a fresh database, `truce seed --leads N` timed; then, on that database, `truce
serve` (the product's gunicorn settings) with benchmarks.floor_settings, and `wrk --latency`
with 16 connections and 2 threads for a fixed duration against:
  - the lead-list API  GET /api/v1/leads?limit=50  (bearer token from `truce token create`)
  - the framework floor GET /floor/leads          (same 50 rows, plain Django view)
  - one lead's timeline GET /api/v1/leads/{id}/timeline, and the selector called directly.
Traffic goes to 127.0.0.1 only; every load loop has a fixed duration. Results are printed as
Markdown and saved to benchmarks/results/.
"""

import argparse
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_BENCH = "postgres://postgres@127.0.0.1:5432/truce_bench"
TIMELINE_SNIPPET = """
import statistics, time, django
django.setup()
from truce.funnel.models import Lead
from truce.ledger.selectors import lead_timeline
ids = list(Lead.objects.filter(outcome="won").order_by("pk").values_list("pk", flat=True)[:200])
list(lead_timeline(lead_id=ids[0]))
samples = []
for n in range(2000):
    lead_id = ids[n % len(ids)]
    began = time.perf_counter()
    list(lead_timeline(lead_id=lead_id))
    samples.append((time.perf_counter() - began) * 1e6)
print(ids[0], statistics.median(samples))
"""


def environment(database: str, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRUCE_")}
    env.update(
        TRUCE_DATA_DIR=str(data_dir),
        TRUCE_SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=database,
        DJANGO_SETTINGS_MODULE="benchmarks.floor_settings",
        PYTHONPATH=str(ROOT),
    )
    return env


def truce(env: dict[str, str], *args: str, timeout: float = 1800) -> str:
    done = subprocess.run(
        [PYTHON, "-m", "truce.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode:
        raise SystemExit(f"truce {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def fresh_database(postgres: bool, work: Path, size: int) -> dict[str, str]:
    data_dir = work / f"data-{size}"
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    if postgres:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS truce_bench WITH (FORCE)")
            conn.execute("CREATE DATABASE truce_bench")
    return environment(PG_BENCH if postgres else "", data_dir)


def seed(env: dict[str, str], size: int) -> dict[str, Any]:
    truce(env, "migrate", "-v0")
    began = time.monotonic()
    out = truce(env, "seed", "--leads", str(size), "--seed", "1", "-v0")
    seconds = time.monotonic() - began
    print(f"  seeded {size:,} leads in {seconds:.1f} s: {out.strip()}", flush=True)
    verify_began = time.monotonic()
    verdict = truce(env, "ledger", "verify").strip()
    return {
        "leads": size,
        "seconds": round(seconds, 1),
        "summary": out.strip(),
        "verify": verdict.split(";")[0],
        "verify_seconds": round(time.monotonic() - verify_began, 1),
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:  # refused, reset or timed out while the server starts
            time.sleep(0.3)
    raise SystemExit(f"{url} did not come up")


def status_of(url: str, token: str) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


_UNIT = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * _UNIT[unit]


def wrk(url: str, token: str, args: argparse.Namespace) -> dict[str, Any]:
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s"]
    command += ["--latency", "-H", f"Authorization: Bearer {token}", url]
    out = subprocess.run(command, capture_output=True, text=True, timeout=args.duration + 60).stdout
    percent = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)$", out, re.MULTILINE))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "url": url.split("127.0.0.1", 1)[1].split("/", 1)[1],
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50_ms": _ms(percent["50"]),
        "p99_ms": _ms(percent["99"]),
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def load(env: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    token = truce(env, "token", "create", "admin", "--name", "bench").strip().splitlines()[-1]
    lead_id, median_us = truce(env, "shell", "-v0", "-c", TIMELINE_SNIPPET).split()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [PYTHON, "-m", "truce.cli", "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_up(f"{base}/login/")
        results: dict[str, Any] = {"timeline_selector_median_us": round(float(median_us), 1)}
        targets = {
            "floor": f"{base}/floor/leads",
            "api_list": f"{base}/api/v1/leads?limit=50",
            "api_timeline": f"{base}/api/v1/leads/{lead_id}/timeline",
        }
        for name, url in targets.items():
            code = status_of(url, token)
            if code != 200:
                results[name] = {"pending": f"answered {code}"}
                continue
            wrk(url, token, argparse.Namespace(**{**vars(args), "duration": 3}))  # warm up
            results[name] = wrk(url, token, args)
            print(f"  {name}: {results[name]}", flush=True)
        return results
    finally:
        server.terminate()
        server.wait(timeout=30)


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = Path("/proc/meminfo").read_text().split()[1]
    return f"{os.cpu_count()} cores ({cpu}), {int(memory) // 1024 // 1024} GB RAM"


def markdown(report: dict[str, Any]) -> str:
    lines = [f"## {report['database']} — {report['date']}", "", f"Machine: {report['machine']}", ""]
    lines += ["| leads | seed s | endpoint | req/s | p50 ms | p99 ms | vs floor |"]
    lines += ["| ---: | ---: | --- | ---: | ---: | ---: | ---: |"]
    for run in report["runs"]:
        floor = run["load"].get("floor", {}).get("rps")
        for name in ("floor", "api_list", "api_timeline"):
            r = run["load"].get(name, {})
            if "rps" not in r:
                lines.append(f"| {run['seed']['leads']:,} | | {name} | {r} | | | |")
                continue
            ratio = f"{floor / r['rps']:.2f}x" if floor and name == "api_list" else ""
            lines.append(
                f"| {run['seed']['leads']:,} | {run['seed']['seconds']} | {name} | "
                f"{r['rps']:.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {ratio} |"
            )
        lines.append(
            f"| {run['seed']['leads']:,} | | timeline selector (median) | | "
            f"{run['load']['timeline_selector_median_us']} µs | | |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL on 127.0.0.1:5432")
    parser.add_argument("--sizes", default="100000,1000000", help="Lead counts, comma-separated")
    parser.add_argument("--duration", type=int, default=20, help="Seconds per load run (20)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-load", action="store_true", help="Only time the seeding")
    parser.add_argument(
        "--load-only",
        action="store_true",
        help="PostgreSQL: skip seeding, load-test the truce_bench database left by the last run",
    )
    args = parser.parse_args()
    if not args.no_load and not shutil.which("wrk"):
        raise SystemExit("wrk is missing: sudo apt-get install -y wrk")
    work = Path(tempfile.mkdtemp(prefix="truce-bench-"))
    report: dict[str, Any] = {
        "database": "PostgreSQL" if args.postgres else "SQLite",
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "runs": [],
    }
    try:
        for size in [int(s) for s in args.sizes.split(",")]:
            print(f"{report['database']}, {size:,} leads", flush=True)
            if args.load_only and args.postgres:
                env = environment(PG_BENCH, work / "data")
                run = {"seed": {"leads": size, "seconds": None}, "load": load(env, args)}
            else:
                env = fresh_database(args.postgres, work, size)
                run = {"seed": seed(env, size), "load": {} if args.no_load else load(env, args)}
            report["runs"].append(run)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results = ROOT / "benchmarks" / "results"
    results.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    name = f"{stamp}-{'postgres' if args.postgres else 'sqlite'}.json"
    (results / name).write_text(json.dumps(report, indent=2))
    print(markdown(report))


if __name__ == "__main__":
    main()
