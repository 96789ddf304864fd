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
