import sys

import pytest

from orbito import movingwindow, rates
from orbito.movingwindow import MovingWindows


def test_accepts_up_to_the_amount_then_refuses_until_the_oldest_leaves() -> None:
    windows = MovingWindows(amount=3, window=60)

    accepted = [windows.hit("a", now=t).allowed for t in (100.0, 110.0, 120.0, 130.0)]
    still_refused = windows.hit("a", now=159.9)
    after_the_first_left = windows.hit("a", now=160.0)

    assert accepted == [True, True, True, False]
    assert not still_refused.allowed
    assert after_the_first_left.allowed


def test_no_span_of_a_window_ever_accepts_more_than_the_amount() -> None:
    windows = MovingWindows(amount=5, window=10)
    accepted = [t / 4 for t in range(400) if windows.hit("a", now=t / 4).allowed]

    for start in accepted:
        assert sum(start <= t < start + 10 for t in accepted) <= 5


def test_remaining_and_reset_follow_the_oldest_accepted_request() -> None:
    windows = MovingWindows(amount=2, window=60)

    first = windows.hit("a", now=1000.0)
    second = windows.hit("a", now=1030.0)
    refused = windows.hit("a", now=1040.0)

    assert (first.remaining, first.reset_time) == (1, 1060.0)
    assert (second.remaining, second.reset_time) == (0, 1060.0)
    assert (refused.allowed, refused.remaining, refused.reset_time) == (False, 0, 1060.0)


def test_identities_are_counted_apart() -> None:
    windows = MovingWindows(amount=1, window=60)

    assert windows.hit("a", now=0.0).allowed
    assert windows.hit("b", now=0.0).allowed
    assert not windows.hit("a", now=1.0).allowed


def test_an_identity_still_counting_survives_the_generations_turning() -> None:
    windows = MovingWindows(amount=2, window=60)
    windows.hit("a", now=0.0)
    windows.hit("a", now=59.0)
    windows.hit("other", now=61.0)  # the first turn
    windows.hit("a", now=100.0)  # 59 and 100 count now
    windows.hit("other", now=121.0)  # the second turn

    assert windows.hit("a", now=130.0).allowed  # 59 has left the window
    assert not windows.hit("a", now=131.0).allowed  # 100 and 130 still count


def test_idle_identities_are_forgotten_after_two_windows() -> None:
    windows = MovingWindows(amount=10, window=60)
    for n in range(1000):
        windows.hit(f"10.0.{n // 256}.{n % 256}", now=0.0)

    windows.hit("late", now=60.0)
    windows.hit("later", now=120.0)

    assert len(windows) == 2


def test_an_ipv4_address_is_one_identity_however_its_text_was_made() -> None:
    windows = MovingWindows(amount=1, window=60)
    address = "203.0.113." + str(7)  # a string of its own, not the literal below

    assert windows.hit(address, now=0.0).allowed
    assert not windows.hit("203.0.113.7", now=1.0).allowed
    assert windows.hit("203.0.113.8", now=1.0).allowed
    # Other identities are kept as given, and never taken for an address's number.
    assert windows.hit(str(0xCB007107), now=1.0).allowed
    assert windows.hit("2001:db8::1", now=1.0).allowed
    assert not windows.hit("2001:db8::1", now=2.0).allowed


def test_the_older_generation_is_copied_smaller_as_its_identities_move_on() -> None:
    windows = MovingWindows(amount=10, window=60)
    addresses = [f"10.0.{n // 256}.{n % 256}" for n in range(4000)]
    for address in addresses:
        windows.hit(address, now=0.0)
    windows.hit("turn", now=60.0)
    full = sys.getsizeof(windows._older)

    for address in addresses[:3500]:
        windows.hit(address, now=61.0)

    assert len(windows._older) == 500
    assert sys.getsizeof(windows._older) < full / 3
    assert len(windows) == 4000 + 1
    # The time 0 has left the window; 61 counts, wherever it was kept.
    remaining = [windows.hit(address, now=62.0).remaining for address in addresses]
    assert remaining == [8] * 3500 + [9] * 500


def _exact(amount: int, window: float, times: list[float]) -> list[bool]:
    """What a moving window decides when it keeps every time exactly."""
    kept: list[float] = []
    decisions = []
    for now in times:
        kept = [t for t in kept if t > now - window]
        decisions.append(len(kept) < amount)
        if decisions[-1]:
            kept.append(now)
    return decisions


def test_the_epoch_moving_forward_changes_no_decision(monkeypatch: pytest.MonkeyPatch) -> None:
    """Four-byte ticks run out after 49 days; here after 150 s, to see the epoch move."""
    monkeypatch.setattr(movingwindow, "LAST_TICK", 150_000)
    windows = MovingWindows(amount=5, window=10)
    times = [1_700_000_000 + t / 4 for t in range(4000)]  # 1000 s, many epochs

    decisions = [windows.hit("a", now=t).allowed for t in times]

    assert decisions == _exact(5, 10, times)
    assert windows._epoch is not None and windows._epoch > times[0] + 800


def test_times_are_rounded_up_to_the_millisecond_never_down() -> None:
    windows = MovingWindows(amount=1, window=1)
    windows.hit("another", now=100.0)  # the epoch
    first = windows.hit("a", now=100.0004)

    assert first.allowed and first.reset_time == pytest.approx(101.001)
    assert not windows.hit("a", now=101.0005).allowed  # taken as 100.001: still in the window
    assert windows.hit("a", now=101.001).allowed


def test_a_clock_stepping_back_never_lets_more_through() -> None:
    windows = MovingWindows(amount=2, window=60)
    windows.hit("a", now=1000.0)
    windows.hit("a", now=400.0)  # the clock was set back ten minutes

    assert not windows.hit("a", now=401.0).allowed
    assert not windows.hit("a", now=1059.0).allowed
    assert windows.hit("a", now=1060.5).allowed


@pytest.mark.parametrize("window", [60.0, 86400.0, 86401.0, 30 * 86400.0, rates.LONGEST_WINDOW])
def test_every_window_a_setting_allows_counts_for_its_whole_length(window: float) -> None:
    """Long windows count in seconds: in milliseconds, a month's times would not fit."""
    windows = MovingWindows(amount=2, window=window)
    start = 1_700_000_000.0
    steps = [start + window * fraction for fraction in (0, 0.4, 0.8, 1.0, 1.0005, 1.5, 3, 3.2)]

    decisions = [windows.hit("a", now=t).allowed for t in steps]

    assert decisions == _exact(2, window, steps)
    assert decisions == [True, True, False, True, False, True, True, True]


def test_a_window_too_long_to_count_is_refused() -> None:
    with pytest.raises(ValueError, match="too long"):
        MovingWindows(amount=1, window=100 * 365 * 86400.0)
