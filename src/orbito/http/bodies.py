"""Request bodies read whole before any route runs, refused as soon as they pass the limit."""

from orbito.errors import PayloadTooLarge
from orbito.http.asgi import Message, Receive, Scope

METHODS_WITH_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class ClientGone(Exception):
    """The connection closed before the request's body had all arrived."""


async def buffered(scope: Scope, receive: Receive, limit: int) -> Receive:
    """A `receive` that hands over the whole body at once, read here within `limit` bytes."""
    for name, value in scope["headers"]:
        if name == b"content-length" and value.isdigit() and int(value) > limit:
            raise PayloadTooLarge(details={"limit_bytes": limit})

    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            # The client went away before its body was complete: nothing of it may be acted on.
            raise ClientGone()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(details={"limit_bytes": limit})
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
