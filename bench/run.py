"""`make bench`: the service against a bare ASGI app under the same server, driven by wrk.

Both servers run on one core and wrk on the other (where taskset exists), with 32
connections: a warm-up, then several timed runs per case, of which the median is kept.
"""

import argparse
import asyncio
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

from bench import report
from bench.seed import action_body, seed, stored_usage

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
HOST = "127.0.0.1"
SERVER_CORE, LOAD_CORE = "0", "1"
UVICORN_FLAGS = ["--loop", "uvloop", "--http", "httptools", "--no-access-log", "--no-server-header"]


@dataclass
class Figures:
    case: str
    backend: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    requests: int
    ratio: float | None = None
    peak_rss_mb: float | None = None
    lost: int | None = None
    note: str = ""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def pinned(core: str, command: list[str]) -> list[str]:
    return ["taskset", "-c", core, *command] if shutil.which("taskset") else command


class Server:
    def __init__(self, command: list[str], env: dict[str, str], log: Path, health: str) -> None:
        self.port = free_port()
        self.log = log
        with log.open("wb") as output:
            self.process = subprocess.Popen(
                pinned(SERVER_CORE, [*command, "--port", str(self.port)]),
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.base = f"http://{HOST}:{self.port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(self.base + health, timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"server did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)

    def peak_rss_mb(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
        return int(line.split()[1]) / 1024

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def wait_idle(self) -> None:
        """Let the server finish what the last run left in flight, so it cannot slow the next."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            before = self.cpu_seconds()
            time.sleep(0.2)
            if self.cpu_seconds() - before < 0.01:
                return

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def wrk(url: str, script: str, seconds: float, connections: int, env: dict[str, str]) -> dict:
    command = pinned(
        LOAD_CORE,
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(HERE / "wrk" / script),
            url,
        ],
    )
    output = subprocess.run(
        command, capture_output=True, text=True, check=True, env={**os.environ, **env}
    ).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    return figures


def measure(server: Server, url, script, args, env=None) -> dict:  # type: ignore[no-untyped-def]
    env = {"BENCH_WRK_DIR": str(HERE / "wrk"), **(env or {})}
    server.wait_idle()
    warmup = wrk(url, script, args.warmup, args.connections, env)
    runs = []
    for _ in range(args.runs):
        server.wait_idle()
        runs.append(wrk(url, script, args.seconds, args.connections, env))
    median = dict(sorted(runs, key=lambda run: run["rps"])[len(runs) // 2])
    median["non_2xx"] = sum(run["non_2xx"] for run in runs)
    median["all_requests"] = sum(run["requests"] for run in runs)
    median["accepted_with_warmup"] = sum(
        run["requests"] - run["non_2xx"] for run in (warmup, *runs)
    )
    return median


def figures(case: str, backend: str, run: dict) -> Figures:
    return Figures(
        case=case,
        backend=backend,
        requests_per_second=round(run["rps"], 1),
        p50_ms=round(run["p50_us"] / 1000, 2),
        p99_ms=round(run["p99_us"] / 1000, 2),
        non_2xx=run["non_2xx"],
        requests=run["all_requests"],
    )


def bench_service(backend: str, database_url: str, args, workdir: Path) -> list[Figures]:  # type: ignore[no-untyped-def]
    seeded = seed(database_url)
    keys_file = workdir / f"keys-{backend}.txt"
    keys_file.write_text("\n".join(seeded.rotated_keys) + "\n")
    env = {
        **{name: value for name, value in os.environ.items() if not name.startswith("ORBITO_")},
        "ORBITO_DATABASE_URL": database_url,
        "ORBITO_TRUSTED_PROXIES": HOST,
    }
    server = Server(
        [sys.executable, "-m", "orbito", "serve", "--host", HOST],
        env,
        workdir / f"orbito-{backend}.log",
        "/healthz",
    )
    api = server.base + "/api/v1"
    results = []
    try:
        for size in args.sizes:
            run = measure(
                server, f"{api}/actions?domain={seeded.domains[size]}", "discovery.lua", args
            )
            results.append(figures(f"discovery, {size} actions", backend, run))

        run = measure(
            server,
            f"{api}/actions/action-0000/usage",
            "usage.lua",
            args,
            {"BENCH_API_KEY": seeded.usage_key},
        )
        usage = figures("usage report", backend, run)
        server.wait_idle()
        stored, accepted = (
            stored_usage(database_url, seeded.domains[1]),
            run["accepted_with_warmup"],
        )
        # wrk abandons the requests in flight when a run ends; the server may still commit them,
        # so up to `connections` per run may be stored without having been seen as accepted.
        usage.note = f"{accepted} accepted, {stored} stored, {max(0, accepted - stored)} lost"
        usage.lost = max(0, accepted - stored)
        results.append(usage)

        body = json.dumps(action_body("add-to-cart-button"))
        run = measure(
            server,
            f"{api}/actions/register",
            "register.lua",
            args,
            {"BENCH_KEYS_FILE": str(keys_file), "BENCH_ACTION_BODY": body},
        )
        results.append(figures("re-registering an action", backend, run))

        run = measure(server, f"{api}/actions/action-0000/usage", "preflight.lua", args)
        results.append(figures("CORS preflight", backend, run))
    finally:
        rss = server.peak_rss_mb()
        server.stop()
    for result in results:
        result.peak_rss_mb = round(rss, 1)
    return results


def bench_ceiling(args, workdir: Path, when: str) -> Figures:  # type: ignore[no-untyped-def]
    server = Server(
        [sys.executable, "-m", "uvicorn", "bench.bare:app", "--host", HOST, *UVICORN_FLAGS],
        {**os.environ, "PYTHONPATH": str(HERE.parent)},
        workdir / "bare.log",
        "/",
    )
    try:
        result = figures(
            f"bare ASGI app (ceiling), {when}",
            "none",
            measure(server, server.base + "/", "bare.lua", args),
        )
        result.peak_rss_mb = round(server.peak_rss_mb(), 1)
    finally:
        server.stop()
    return result


async def _admin(server_url: str, *statements: str) -> bool:
    """Run statements on the PostgreSQL server; False if it does not answer."""
    import asyncpg

    try:
        connection = await asyncpg.connect(server_url, timeout=3)
    except (OSError, asyncpg.PostgresError):
        return False
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()
    return True


def postgres_url(args) -> str | None:  # type: ignore[no-untyped-def]
    """A fresh database on the PostgreSQL server named for the benchmark, if it answers."""
    if not args.postgres:
        return None
    fresh = ("DROP DATABASE IF EXISTS orbito_bench WITH (FORCE)", "CREATE DATABASE orbito_bench")
    if not asyncio.run(_admin(args.postgres, *fresh)):
        print(f"PostgreSQL at {args.postgres} did not answer; its cases are left out")
        return None
    base = args.postgres.rsplit("/", 1)[0]
    return f"{base}/orbito_bench"


def drop_postgres_database(args) -> None:  # type: ignore[no-untyped-def]
    asyncio.run(_admin(args.postgres, "DROP DATABASE IF EXISTS orbito_bench WITH (FORCE)"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="a short run that proves it works")
    parser.add_argument("--postgres", default=os.environ.get("ORBITO_BENCH_POSTGRES_URL"))
    args = parser.parse_args()
    args.connections = 32
    args.sizes = (1, 20, 100, 1000)
    args.warmup, args.seconds, args.runs = (1, 2, 1) if args.smoke else (3, 8, 3)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed; `make bench` installs it")

    with tempfile.TemporaryDirectory(prefix="orbito-bench-") as directory:
        workdir = Path(directory)
        # The ceiling is measured before and after the service, and the higher of the two is
        # the one every ratio is taken against: a slow moment of the machine then lowers the
        # service's figures, never the bar they are held to.
        before = bench_ceiling(args, workdir, "before")
        sqlite_url = f"sqlite:///{workdir / 'bench.db'}"
        service = bench_service("sqlite", sqlite_url, args, workdir)
        if url := postgres_url(args):
            try:
                service += bench_service("postgresql", url, args, workdir)
            finally:
                drop_postgres_database(args)
        after = bench_ceiling(args, workdir, "after")
        results = [before, after, *service]
        ceiling = max(before.requests_per_second, after.requests_per_second)
        for result in results:
            result.ratio = round(result.requests_per_second / ceiling, 3)

    machine = {
        "cpu": report.cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "pinned": bool(shutil.which("taskset")),
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "smoke": args.smoke,
        "connections": args.connections,
        "seconds_per_run": args.seconds,
        "runs": args.runs,
    }
    out = RESULTS / ("smoke" if args.smoke else "latest")
    out.mkdir(parents=True, exist_ok=True)
    rows = [asdict(result) for result in results]
    (out / "results.json").write_text(
        json.dumps({"machine": machine, "results": rows}, indent=2) + "\n"
    )
    table = report.markdown(machine, results)
    (out / "results.md").write_text(table)
    report.chart(results, out / "discovery.png")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
