"""The ceiling: a bare ASGI app answering a fixed JSON body of about 1 KB."""

import orjson

BODY = orjson.dumps(
    {
        "domain": "example.com",
        "actions": [{"action_id": f"a{n}", "intent": "x" * 40} for n in range(14)],
    }
)
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def app(scope, receive, send):  # type: ignore[no-untyped-def]
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
