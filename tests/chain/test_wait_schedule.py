"""The receipt-wait schedule shared by the synchronous and the asyncio drivers
(:class:`ogpu.chain.tx.WaitSchedule`): how long each wait for a receipt lasts before the node is
asked whether it dropped the transaction, and which wait is the last."""

from __future__ import annotations

from ogpu.chain.tx import DROP_CHECK, DROP_CHECK_MAX, WaitSchedule


def _waits(timeout: float | None, n: int, start: float = 100.0) -> list[tuple[float, bool]]:
    """The first ``n`` waits when every wait runs to its end (no receipt ever comes)."""
    schedule = WaitSchedule.start(timeout, start)
    now, out = start, []
    for _ in range(n):
        seconds, last = schedule.next(now)
        out.append((seconds, last))
        if last:
            break
        now += seconds
    return out


def test_deadline_before_the_first_check_is_one_last_wait() -> None:
    assert DROP_CHECK == 2.0
    assert _waits(0.5, 5) == [(0.5, True)]
    assert _waits(0.0, 5) == [(0.0, True)]


def test_deadline_exactly_at_a_check_ends_with_that_wait() -> None:
    # 2 s exactly: the first wait runs to the deadline, the node is never asked
    assert _waits(2.0, 5) == [(2.0, True)]
    # 2 + 4 = 6 s: a check after 2 s, then a last wait of exactly 4 s
    assert _waits(6.0, 5) == [(2.0, False), (4.0, True)]
    # a little more than a check: one check, then the remainder
    assert _waits(6.5, 5) == [(2.0, False), (4.0, False), (0.5, True)]


def test_checks_double_up_to_the_cap_and_never_end_without_a_deadline() -> None:
    assert DROP_CHECK_MAX == 30.0
    waits = _waits(None, 8)
    assert [s for s, _ in waits] == [2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0, 30.0]
    assert not any(last for _, last in waits)


def test_a_late_caller_gets_what_is_left_and_never_a_negative_wait() -> None:
    schedule = WaitSchedule.start(10.0, now=0.0)
    assert schedule.next(0.0) == (2.0, False)
    # the check took long: 9 s gone, 1 s left, less than the next check
    assert schedule.next(9.0) == (1.0, True)
    # past the deadline already
    assert WaitSchedule.start(1.0, now=0.0).next(5.0) == (0.0, True)
