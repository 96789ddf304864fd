"""A domain's actions as discovery and tool export send them: rendered once, tagged, compressed.

The extension asks on every page load, so each answer is built once per cache entry and kept
with its entity tag (a digest of the body, so any change to the answer changes it) and its
compressed forms, each made the first time a client accepts it.
"""

import asyncio
import gzip
import hashlib
import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from orbito.http.request import RawHeaders
from orbito.timefmt import iso_utc

# Smaller answers go as they are: compressing them saves less than it costs.
COMPRESS_FROM_BYTES = 4096
# Distinct page paths (and formats) kept rendered per listing, and the bytes they may hold in
# all; past either, the oldest renderings are dropped and rebuilt if asked for again.
RENDERED_PER_LISTING = 64
RENDERED_BYTES_PER_LISTING = 16 * 1024 * 1024
# Larger bodies are compressed on a worker thread (zlib and brotli let go of the interpreter
# while they work), so that the event loop goes on answering everyone else.
COMPRESS_ON_THREAD_FROM_BYTES = 256 * 1024
_COMPRESSORS: dict[str, Callable[[bytes], bytes]] = {
    "br": lambda body: _brotli().compress(body, quality=5),
    "gzip": lambda body: gzip.compress(body, compresslevel=6, mtime=0),
}


def _brotli() -> Any:
    import brotli  # type: ignore[import-untyped]  # only when an answer is asked for as brotli

    return brotli


@dataclass
class Rendered:
    body: bytes
    etag: str
    _encoded: dict[str, "asyncio.Future[bytes]"] = field(default_factory=dict)
    # Sent with every answer and every 304 for it, encoded once.
    tag_headers: RawHeaders = field(default_factory=list)
    # The whole head of the answer as it stands, uncompressed.
    headers: RawHeaders = field(default_factory=list)

    @classmethod
    def of(cls, answer: dict) -> "Rendered":
        body = orjson.dumps(answer)
        # Weak: the same tag names the answer whatever its encoding.
        etag = f'W/"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'
        tag_headers = [
            (b"etag", etag.encode()),
            (b"cache-control", b"no-cache"),
            (b"vary", b"Accept-Encoding"),
        ]
        return cls(body, etag, tag_headers=tag_headers, headers=json_head(body, tag_headers))

    def compressible(self, accepted: str | None) -> bool:
        """Whether the body is large enough to compress, for a client that may accept it."""
        return accepted is not None and len(self.body) >= COMPRESS_FROM_BYTES

    async def encoded(self, accepted: str | None) -> tuple[bytes, str | None]:
        """The body in the best encoding the client accepts, and that encoding's name.

        Each encoding is made once, however many requests ask for it at the same moment.
        """
        if accepted is None or not self.compressible(accepted):
            return self.body, None
        encoding = preferred_encoding(accepted)
        if encoding is None:
            return self.body, None
        made = self._encoded.get(encoding)
        if made is None:
            compress = _COMPRESSORS[encoding]
            if len(self.body) < COMPRESS_ON_THREAD_FROM_BYTES:
                made = asyncio.get_running_loop().create_future()
                made.set_result(compress(self.body))
            else:
                made = asyncio.ensure_future(asyncio.to_thread(compress, self.body))
            self._encoded[encoding] = made
        return await asyncio.shield(made), encoding

    @property
    def size(self) -> int:
        return len(self.body) + sum(
            len(made.result()) for made in self._encoded.values() if made.done()
        )

    def matches(self, if_none_match: str | None) -> bool:
        """Whether an If-None-Match header names this answer (weak comparison)."""
        if if_none_match is None:
            return False
        own = self.etag.removeprefix("W/")
        for tag in if_none_match.split(","):
            tag = tag.strip()
            if tag == "*" or tag.removeprefix("W/") == own:
                return True
        return False


def json_head(body: bytes, extra: RawHeaders) -> RawHeaders:
    """The headers of a JSON answer with this body, then `extra`."""
    return [
        (b"content-length", str(len(body)).encode()),
        (b"content-type", b"application/json"),
        *extra,
    ]


def preferred_encoding(accepted: str) -> str | None:
    """br, else gzip, when Accept-Encoding takes it with a non-zero weight.

    A weight that is not one HTTP allows (0 to 1, three decimals at most, given once) refuses
    its encoding: an encoding is sent only where the client plainly takes it.
    """
    weights: dict[str, float] = {}
    for part in accepted.lower().split(","):
        name, *parameters = part.split(";")
        given = [
            value.strip()
            for key, _, value in (parameter.partition("=") for parameter in parameters)
            if key.strip() == "q"
        ]
        if not given:
            weight = 1.0
        elif len(given) == 1 and _QVALUE.fullmatch(given[0]):
            weight = float(given[0])
        else:
            weight = 0.0
        weights[name.strip()] = weight
    for encoding in _COMPRESSORS:
        if weights.get(encoding, weights.get("*", 0.0)) > 0:
            return encoding
    return None


_QVALUE = re.compile(r"0(\.[0-9]{0,3})?|1(\.0{0,3})?")


def listed_action(row: Any) -> dict:
    """An action as discovery lists it, from a row holding the discovery columns."""
    return {
        "action_id": row.action_id,
        "intent": row.intent,
        "description": row.description,
        "selector": row.selector,
        "parameters": row.parameters,
        "position": row.position,
        "metadata": row.meta,
        "is_active": row.is_active,
        "usage_count": row.usage_count,
        "last_used": iso_utc(row.last_used),
        "failure_count": row.failure_count,
        "last_failure_at": iso_utc(row.last_failure_at),
    }


@dataclass
class Listing:
    """A website's active or inactive actions, as discovery lists them."""

    domain: str
    verified: bool
    actions: list[dict]
    _rendered: OrderedDict[tuple, Rendered] = field(default_factory=OrderedDict)

    def on_page(self, page_path: str | None) -> list[dict]:
        """The actions for a page: those for exactly that path, and those for no path."""
        if page_path is None:
            return self.actions
        return [
            action
            for action in self.actions
            if action["metadata"].get("page_path") in (None, page_path)
        ]

    def rendered(self, key: tuple, build: Callable[[], dict]) -> Rendered:
        found = self._rendered.get(key)
        if found is None:
            found = self._rendered[key] = Rendered.of(build())
            while len(self._rendered) > 1 and (
                len(self._rendered) > RENDERED_PER_LISTING
                or sum(rendered.size for rendered in self._rendered.values())
                > RENDERED_BYTES_PER_LISTING
            ):
                self._rendered.popitem(last=False)
        return found
