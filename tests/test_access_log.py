"""The access log's line, written straight to the handler, is the line its record would make."""

import asyncio
import io
import json
import logging
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from random import Random

import pytest

from orbito import logs
from orbito.http.requestlog import log, log_request
from orbito.logs import _OrbitoHandler, configure_logging, direct_handler, request_id_var
from orbito.settings import Settings


@pytest.fixture
def written() -> Iterator[io.StringIO]:
    """What the service's handler writes, in place of standard error (see `configure`).

    pytest hangs its own capturing handlers on every logger that does not propagate, which
    would send each record the ordinary way; they are set aside for the test.
    """
    service = logging.getLogger("orbito")
    others = list(service.handlers)
    token = request_id_var.set("req-7")
    yield io.StringIO()
    request_id_var.reset(token)
    configure_logging(Settings(_env_file=None))
    service.handlers[:] = [*others, *service.handlers[len(others) :]]


def configure(stream: io.StringIO, **settings: str) -> None:
    configure_logging(Settings(_env_file=None, **settings))  # type: ignore[arg-type]
    service = logging.getLogger("orbito")
    service.handlers[:] = [h for h in service.handlers if isinstance(h, _OrbitoHandler)]
    service.handlers[0].setStream(stream)  # type: ignore[attr-defined]


def _both_ways(stream: io.StringIO, path: str) -> tuple[str, str]:
    """The line written directly, then the same request's line made from a record."""
    log_request("GET", path, 200, time.perf_counter(), "203.0.113.7")
    listener = logging.NullHandler()
    logging.getLogger("orbito").addHandler(listener)
    try:
        assert direct_handler(log, logging.INFO) is None  # another listener: the record way
        log_request("GET", path, 200, time.perf_counter(), "203.0.113.7")
    finally:
        logging.getLogger("orbito").removeHandler(listener)
    direct, from_record = stream.getvalue().splitlines()
    return direct, from_record


def test_a_text_line_is_the_same_written_directly_or_from_a_record(written: io.StringIO) -> None:
    configure(written, log_format="text")
    assert direct_handler(log, logging.INFO) is not None

    direct, from_record = _both_ways(written, "/api/v1/nope\nFAKE status=200\x00")

    def steady(line: str) -> str:
        return re.sub(r"^\S+ |duration_ms=\S+", "", line)

    assert steady(direct) == steady(from_record)
    assert direct.endswith(
        'path="/api/v1/nope\\nFAKE status=200\\u0000" status=200 duration_ms='
        + direct.split("duration_ms=")[1].split()[0]
        + " client_ip=203.0.113.7 request_id=req-7"
    )
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00 INFO    orbito.access ", direct)


def test_a_json_line_is_the_same_written_directly_or_from_a_record(written: io.StringIO) -> None:
    configure(written, log_format="json")

    direct, from_record = (json.loads(line) for line in _both_ways(written, "/api/v1/actions"))

    assert list(direct) == list(from_record)  # the same fields in the same order
    for line in (direct, from_record):
        assert line.pop("time") and line.pop("duration_ms") >= 0
    assert (
        direct
        == from_record
        == {
            "level": "INFO",
            "logger": "orbito.access",
            "event": "http.request",
            "method": "GET",
            "path": "/api/v1/actions",
            "status": 200,
            "client_ip": "203.0.113.7",
            "request_id": "req-7",
        }
    )


def test_a_quieter_level_or_a_filter_takes_the_record_way(written: io.StringIO) -> None:
    configure(written, log_level="WARNING")
    assert direct_handler(log, logging.INFO) is None
    log_request("GET", "/", 200, time.perf_counter(), "203.0.113.7")
    assert written.getvalue() == ""

    configure(written)
    log.addFilter(lambda record: False)
    try:
        assert direct_handler(log, logging.INFO) is None
        log_request("GET", "/", 200, time.perf_counter(), "203.0.113.7")
    finally:
        log.filters.clear()
    assert written.getvalue() == ""


def test_a_broken_stream_is_reported_not_raised(
    written: io.StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    class Broken(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError("the reader went away")

    configure(written)
    handler = direct_handler(log, logging.INFO)
    assert handler is not None
    handler.setStream(Broken())

    log_request("GET", "/", 200, time.perf_counter(), "203.0.113.7")

    assert "--- Logging error ---" in capsys.readouterr().err


def test_a_lines_time_is_what_datetime_would_write() -> None:
    random = Random(7)
    edges = [0.0, 1.0005, 1.0004999, 1.9999995, 1.9999994999, 1309377824.5739994, 4102444800.999]
    times = edges + [random.uniform(0, 4e9) for _ in range(20_000)]
    expected = [
        datetime.fromtimestamp(moment, UTC).isoformat(timespec="milliseconds") for moment in times
    ]
    assert [logs._moment(moment) for moment in times] == expected


async def test_lines_from_the_loop_go_out_together_at_its_next_turn(
    written: io.StringIO,
) -> None:
    configure(written)

    for path in ("/first", "/second"):
        log_request("GET", path, 200, time.perf_counter(), "203.0.113.7")
    held = written.getvalue()
    await asyncio.sleep(0)

    assert held == ""
    assert [line.split(" path=")[1].split()[0] for line in written.getvalue().splitlines()] == [
        "/first",
        "/second",
    ]


async def test_a_record_logged_meanwhile_comes_after_the_held_lines(
    written: io.StringIO,
) -> None:
    configure(written)

    log_request("GET", "/held", 200, time.perf_counter(), "203.0.113.7")
    logging.getLogger("orbito.example").warning("example.event")
    lines = written.getvalue().splitlines()

    assert len(lines) == 2
    assert "path=/held" in lines[0]
    assert "example.event" in lines[1]


def test_lines_held_by_a_loop_that_ended_are_written_by_the_next_line(
    written: io.StringIO,
) -> None:
    configure(written)

    loop = asyncio.new_event_loop()

    def answer_and_stop() -> None:
        log_request("GET", "/in-the-loop", 200, time.perf_counter(), "203.0.113.7")
        loop.stop()  # the loop ends with this turn: the next never comes

    loop.call_soon(answer_and_stop)
    loop.run_forever()
    loop.close()
    left = written.getvalue()
    log_request("GET", "/after", 200, time.perf_counter(), "203.0.113.7")
    lines = written.getvalue().splitlines()

    assert left == ""
    assert ["path=/in-the-loop" in lines[0], "path=/after" in lines[1]] == [True, True]


async def test_flushing_the_handler_writes_what_it_holds(written: io.StringIO) -> None:
    configure(written)
    log_request("GET", "/held", 200, time.perf_counter(), "203.0.113.7")

    logging.getLogger("orbito").handlers[0].flush()

    assert "path=/held" in written.getvalue()


async def test_a_long_turn_writes_its_lines_in_bounded_batches(written: io.StringIO) -> None:
    configure(written)

    for n in range(logs.MAX_HELD_LINES + 1):
        log_request("GET", f"/{n}", 200, time.perf_counter(), "203.0.113.7")

    assert len(written.getvalue().splitlines()) == logs.MAX_HELD_LINES


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_a_line_break_of_any_kind_in_a_value_is_written_escaped(
    written: io.StringIO, log_format: str
) -> None:
    configure(written, log_format=log_format)
    path = "/a\u0085b\u2028c\u2029d\ne"

    log_request("GET", path, 200, time.perf_counter(), "203.0.113.7")
    lines = written.getvalue().splitlines()

    assert len(lines) == 1
    if log_format == "json":
        assert json.loads(lines[0])["path"] == path
    else:
        assert json.loads(lines[0].split(" path=")[1].split(" status=")[0]) == path
