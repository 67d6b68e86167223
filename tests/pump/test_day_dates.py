"""The daily dose table's date texts made in bulk (pump/day_dates.py) against the plain
expression `(start + timedelta(seconds=t)).date().isoformat()`, one time at a time."""
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.pump.day_dates import FAST_FROM, date_texts, plain_date_text

_STARTS = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9998, 12, 1),
                       timezones=st.sampled_from([None, UTC, timezone(timedelta(hours=-5, minutes=-30))]))


def test_known_days():
    """Hand-worked: a start at 08:00 on 5 January 2026, the run's start, the next midnights
    (57,600 s = 16 h later, then a day apart) and a time half a second into a day."""
    start = datetime(2026, 1, 5, 8, 0)
    times = [0.0] + [57_600.0 + 86_400.0 * k for k in range(30)] + [57_600.0 + 86_400.0 * 30 - 0.5]
    texts = date_texts(start, times)
    assert texts[:3] == ["2026-01-05", "2026-01-06", "2026-01-07"]
    assert texts[27:31] == ["2026-02-01", "2026-02-02", "2026-02-03", "2026-02-04"]
    assert texts[-1] == "2026-02-04"  # half a second before the 5th


@settings(max_examples=200, deadline=None)
@given(start=_STARTS, first_s=st.floats(-2e5, 2e5, allow_nan=False), step_s=st.sampled_from([86_400.0, 86_399.5, 3_600.0, 1e-6, 0.25, 1.0]),
       n=st.integers(FAST_FROM - 2, 400), extra=st.lists(st.floats(-3e8, 3e8, allow_nan=False), max_size=5))
def test_same_texts_as_plain(start, first_s, step_s, n, extra):
    """Day after day (whole and fractional seconds, steps that cross midnight or not), with a
    few arbitrary times mixed in: the same texts as the plain expression."""
    times = [first_s + step_s * k for k in range(n)]
    times[1:1] = extra
    try:
        want = [plain_date_text(start, t) for t in times]
    except OverflowError:
        return  # (a date beyond the calendar: the plain expression's error; not compared)
    assert date_texts(start, times) == want


@settings(max_examples=100, deadline=None)
@given(start=_STARTS, times=st.lists(st.integers(-10**9, 10**9).map(float) | st.floats(-1e9, 1e9, allow_nan=False), min_size=FAST_FROM, max_size=60))
def test_scattered_times(start, times):
    """Times in any order, whole or not, near midnight or not: the same texts as the plain one."""
    try:
        want = [plain_date_text(start, t) for t in times]
    except OverflowError:
        return
    assert date_texts(start, times) == want
