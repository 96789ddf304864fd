"""What routes read of a request, and a JSON answer's head, as Starlette would make them."""

from random import Random

import orjson
import pytest
from starlette.datastructures import QueryParams
from starlette.responses import Response

from orbito.http.request import query_values
from orbito.responses import JSONResponse


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (b"", {}),
        (b"domain=shop.example", {"domain": "shop.example"}),
        (b"a=1&a=2", {"a": "2"}),
        (b"flag&=x&&b=c=d", {"flag": "", "": "x", "b": "c=d"}),
        (b"page_path=%2Fcart+page&x=%E2%9C%93", {"page_path": "/cart page", "x": "\u2713"}),
        (b"d=caf\xc3\xa9", {"d": "caf\xc3\xa9"}),
    ],
)
def test_known_queries(query: bytes, expected: dict[str, str]) -> None:
    assert query_values(query) == expected
    assert dict(QueryParams(query)) == expected


def test_any_query_reads_as_starlette_reads_it() -> None:
    random = Random(11)
    alphabet = "ab=&%+2F0;\x00 \xe9"
    for _ in range(20_000):
        text = "".join(random.choice(alphabet) for _ in range(random.randint(0, 16)))
        query = text.encode("utf-8" if random.random() < 0.5 else "latin-1")
        assert query_values(query) == dict(QueryParams(query)), query


@pytest.mark.parametrize(
    "arguments",
    [({"a": 1},), ({"a": 1}, 201), ({"e": 1}, 429, {"Retry-After": "3", "X-RateLimit-Limit": "5"})],
)
def test_a_json_answers_head_is_the_one_starlette_would_make(arguments: tuple) -> None:
    class Starlettes(Response):
        media_type = "application/json"

        def render(self, content: object) -> bytes:
            return orjson.dumps(content)

    assert JSONResponse(*arguments).raw_headers == Starlettes(*arguments).raw_headers
