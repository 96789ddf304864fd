"""A route's query values are those Starlette's `QueryParams` would give."""

from random import Random

import pytest
from starlette.datastructures import QueryParams

from orbito.http.request import query_values


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
