import limits
import pytest

from orbito.rates import parse_rate


@pytest.mark.parametrize(
    "text",
    [
        "100/minute",
        "100 / minute",
        "10 per hour",
        "10 per 1 hour",
        "5 per 2 seconds",
        "7/3days",
        " 1 PER Month ",
        "2/year",
        "60/Minutes",
    ],
)
def test_a_rate_means_what_limits_reads_in_it(text: str) -> None:
    """With Redis the `limits` package reads the same text: both must agree on its meaning."""
    ours, theirs = parse_rate(text), limits.parse(text)
    assert (ours.amount, ours.seconds) == (theirs.amount, theirs.get_expiry())
    assert str(ours) == str(theirs)
    assert ours.text == text


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "is not a rate limit"),
        ("minute", "is not a rate limit"),
        ("100", "is not a rate limit"),
        ("100/fortnight", "is not a rate limit"),
        ("1/second;5/minute", "is not a rate limit"),
        ("1.5/second", "is not a rate limit"),
        ("-1/second", "is not a rate limit"),
        ("0/minute", "must be at least 1"),
        ("5 per 0 minutes", "must be at least 1"),
        ("1/2years", "at most a year"),
        ("1/13months", "at most a year"),
        ("1/99999999999 years", "at most a year"),
        ("1000000001/second", "at most 1,000,000,000 requests"),
        ("9223372036854775807/second", "at most 1,000,000,000 requests"),
    ],
)
def test_a_rate_that_is_not_one_limit_of_at_least_one_is_refused(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_rate(text)
