"""How a parallel sweep cuts its work into batches (guided self-scheduling)."""
from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from simulator.sweep.runner import _split_at_chunks, guided_batches


@given(n=st.integers(0, 3000), workers=st.integers(1, 16), most=st.none() | st.integers(1, 200))
def test_guided_batches_cover_every_item_once_in_order_and_shrink_to_single_items(n, workers, most):
    items = list(range(n))
    batches = guided_batches(items, workers, most)
    assert [i for b in batches for i in b] == items
    sizes = [len(b) for b in batches]
    assert all(s >= 1 for s in sizes)
    assert sizes == sorted(sizes, reverse=True)  # large first, small last
    if most is not None:
        assert max(sizes, default=0) <= most
    if n:
        assert sizes[-1] == 1  # the last batch holds one item: no worker waits long at the end


def test_guided_batches_by_hand():
    # 600 items, 2 workers: a quarter of a worker's share of what is left, rounded up
    # 600/8 = 75; 525/8 = 65.6 -> 66; 459/8 = 57.4 -> 58; 401/8 = 50.1 -> 51
    sizes = [len(b) for b in guided_batches(list(range(600)), 2)]
    assert sizes[:4] == [75, 66, 58, 51]
    assert sum(sizes) == 600


@dataclass
class _Task:
    index: int


@given(start=st.integers(0, 500), n=st.integers(0, 300), chunk=st.integers(1, 50))
def test_a_batch_never_straddles_a_chunk(start, n, chunk):
    tasks = [_Task(i) for i in range(start, start + n)]
    parts = _split_at_chunks(tasks, chunk)
    assert [t for p in parts for t in p] == tasks
    for p in parts:
        assert len({t.index // chunk for t in p}) == 1
    # one part per chunk touched
    assert len(parts) == len({t.index // chunk for t in tasks})
