"""A real `orbito serve` process on a loopback port, for tests that speak HTTP over a socket.

Its fixtures, `live_server` and `start_live_server`, are loaded for every test by conftest.
"""

import contextlib
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

HOST = "127.0.0.1"
STARTUP_SECONDS = 20.0
STOP_SECONDS = 10.0
LOG_WAIT_SECONDS = 5.0
# A port found free can be taken again before the server binds it; then it is worth a retry.
PORT_ATTEMPTS = 3


def orbito_command() -> str:
    """The `orbito` script of the interpreter running the tests, else the one on PATH."""
    beside = Path(sys.executable).parent / "orbito"
    if beside.is_file():
        return str(beside)
    found = shutil.which("orbito")
    if found is None:
        pytest.fail("the `orbito` command is not installed beside the interpreter nor on PATH")
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@dataclass
class LiveServer:
    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    database_path: Path
    workers: int

    @property
    def api(self) -> str:
        return f"{self.base_url}/api/v1"

    def log_text(self) -> str:
        """Everything the process has written to stderr and stdout so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def log_lines(self) -> list[str]:
        return [line for line in self.log_text().splitlines() if line.strip()]

    def access_records(self) -> list[dict[str, Any]]:
        """The access-log lines, parsed; lines that are not JSON objects are skipped."""
        records = []
        for line in self.log_lines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and record.get("logger") == "orbito.access":
                records.append(record)
        return records

    def wait_for_access_records(self, request_ids: Collection[str]) -> list[dict[str, Any]]:
        """The access records of these requests, once each has at least one (bounded wait).

        The access line is written when the response is finished, which can be just after
        the client has read it.
        """
        wanted = set(request_ids)
        deadline = time.monotonic() + LOG_WAIT_SECONDS
        while True:
            records = [r for r in self.access_records() if r.get("request_id") in wanted]
            if {r["request_id"] for r in records} == wanted or time.monotonic() > deadline:
                return records
            time.sleep(0.05)

    def worker_pids(self) -> list[int]:
        """The uvicorn worker processes a `--workers N` supervisor has spawned."""
        workers = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            if parent == self.process.pid and b"spawn_main" in cmdline:
                workers.append(int(entry.name))
        return workers


def _environment(database_path: Path, settings: dict[str, str]) -> dict[str, str]:
    # The developer's own ORBITO_* variables (a Redis URL, say) must not reach the server.
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith("ORBITO_")
    }
    environment["ORBITO_DATABASE_URL"] = f"sqlite:///{database_path}"
    environment["PYTHONUNBUFFERED"] = "1"
    for name, value in settings.items():
        environment[f"ORBITO_{name.upper()}"] = value
    return environment


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    # The server was started in a session of its own; workers left behind by a killed
    # supervisor are still in its process group, and must not outlive the test.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def _start(directory: Path, workers: int, settings: dict[str, str]) -> LiveServer:
    port = free_port()
    log_path = directory / f"server-{port}.log"
    database_path = directory / "orbito.db"
    command = [orbito_command(), "serve", "--host", HOST, "--port", str(port)]
    command += ["--workers", str(workers)]
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command,
            cwd=directory,  # so that no .env file of the project is read
            env=_environment(database_path, settings),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return LiveServer(f"http://{HOST}:{port}", process, log_path, database_path, workers)


def _wait_until_healthy(server: LiveServer) -> bool:
    """True once /healthz answers 200 and every worker is spawned; False if the process died."""
    deadline = time.monotonic() + STARTUP_SECONDS
    with httpx.Client(timeout=1.0) as http:
        while server.process.poll() is None:
            try:
                healthy = http.get(f"{server.base_url}/healthz").status_code == 200
            except httpx.TransportError:
                healthy = False
            if healthy and (server.workers == 1 or len(server.worker_pids()) >= server.workers):
                return True
            if time.monotonic() > deadline:
                _stop(server.process)
                pytest.fail(
                    f"orbito serve did not answer GET /healthz within {STARTUP_SECONDS:.0f} s; "
                    f"its output:\n{server.log_text()}"
                )
            time.sleep(0.1)
    return False


@contextlib.contextmanager
def serve(directory: Path, *, workers: int = 1, **settings: str) -> Iterator[LiveServer]:
    """Run `orbito serve` on a fresh SQLite file in `directory` until the block ends.

    `settings` name ORBITO_* variables without the prefix: `rate_limits_enabled="false"`.
    """
    directory.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, PORT_ATTEMPTS + 1):
        server = _start(directory, workers, settings)
        if _wait_until_healthy(server):
            break
        output = server.log_text()
        _stop(server.process)
        if "address already in use" not in output.lower() or attempt == PORT_ATTEMPTS:
            pytest.fail(
                f"orbito serve exited with status {server.process.returncode} before "
                f"answering; its output:\n{output}"
            )
    try:
        yield server
    finally:
        _stop(server.process)


@pytest.fixture
def start_live_server(tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    """Start servers on demand, each on its own database; all are stopped after the test."""
    numbers = itertools.count(1)
    with contextlib.ExitStack() as servers:

        def start(*, workers: int = 1, **settings: str) -> LiveServer:
            directory = tmp_path / f"live-server-{next(numbers)}"
            return servers.enter_context(serve(directory, workers=workers, **settings))

        yield start


@pytest.fixture
def live_server(start_live_server: Callable[..., LiveServer]) -> LiveServer:
    """One server with the default settings (rate limits on) and JSON logs."""
    return start_live_server(log_format="json")
