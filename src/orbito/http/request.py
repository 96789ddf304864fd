"""The request a route is given: Starlette's, with what the gateway learnt of it first."""

from urllib.parse import parse_qsl

from starlette.requests import Request

from orbito.http.asgi import Receive, Scope

# Encoded header pairs, as ASGI sends them.
RawHeaders = list[tuple[bytes, bytes]]


class ApiRequest(Request):
    """A request with its client's address and the headers its answer is to carry.

    `answer_headers` is the gateway's own list: what a route adds to it (the rate-limit
    counts) goes out with whatever answer the request gets, an error's included.
    """

    def __init__(
        self, scope: Scope, receive: Receive, client_ip: str, answer_headers: RawHeaders
    ) -> None:
        super().__init__(scope, receive)
        self.client_ip = client_ip
        self.answer_headers = answer_headers
        self._query: dict[str, str] | None = None

    @property
    def query(self) -> dict[str, str]:
        """The query's values by name; the last of a repeated name, as `query_params` gives."""
        if self._query is None:
            self._query = query_values(self.scope["query_string"])
        return self._query

    def header(self, name: bytes) -> str | None:
        """The first value of the header `name` (lower case), as `headers.get` gives it."""
        for given, value in self.scope["headers"]:
            if given == name:
                return value.decode("latin-1")  # type: ignore[no-any-return]
        return None

    def list_header(self, name: bytes) -> str | None:
        """A header that holds a list (`If-None-Match`): its lines joined, as HTTP reads them."""
        values = [value for given, value in self.scope["headers"] if given == name]
        return b", ".join(values).decode("latin-1") if values else None


def query_values(query_string: bytes) -> dict[str, str]:
    """What Starlette's `QueryParams` holds for a query string, read in a quarter of the time.

    A query with nothing escaped, as most are, is split as it stands; any other is read by
    `parse_qsl`, as Starlette reads it.
    """
    text = query_string.decode("latin-1")
    if "%" in text or "+" in text:
        return dict(parse_qsl(text, keep_blank_values=True))
    values = {}
    for part in text.split("&"):
        if part:
            name, _, value = part.partition("=")
            values[name] = value
    return values
