"""Planning a sweep with an executor of several workers checks the points in those workers
(`runner._check_points`): the plan, the refusal and the recorded reasons are those of a plan
checked in this process, the 'no value' marker of an issue included."""
from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.errors import InputError, Issue
from simulator.sweep.executors import make_executor
from simulator.sweep.expand import plain_copy
from simulator.sweep.runner import plan_sweep
from simulator.sweep.spec import sweep_spec_from_dict
from simulator.sweep.work import issue_data, issue_from_data

from .test_sweep_variants import invalid_spec

pytest.importorskip("pandas")


@pytest.fixture(scope="module")
def pool():
    ex = make_executor("processes", 2)
    yield ex
    ex.close()


def _plan(spec_dict, executor):
    return plan_sweep(sweep_spec_from_dict(spec_dict), allow_plugins=True, executor=executor)


@pytest.mark.parametrize("on_invalid", ["skip", "record"])
def test_parallel_check_gives_the_plan_of_the_serial_check(pool, on_invalid):
    # rate values [1, -1, 2]: the toy refuses the negative one (point 1)
    serial, parallel = _plan(invalid_spec(on_invalid), None), _plan(invalid_spec(on_invalid), pool)
    for key in ("points", "invalid", "tasks", "hash"):
        assert parallel[key] == serial[key], key
    if on_invalid == "record":
        assert list(parallel["invalid"]) == [1] and "greater than or equal to 0" in parallel["invalid"][1]
    else:
        assert [t.point for t in parallel["tasks"]] == [0, 2]


def test_parallel_check_refuses_with_the_same_issues(pool):
    errors = []
    for executor in (None, pool):
        with pytest.raises(InputError) as err:
            _plan(invalid_spec("refuse"), executor)
        errors.append([(i.path, i.message, str(i)) for i in err.value.issues])
    assert errors[0] == errors[1]
    assert "rate=-1" in errors[1][0][0]


def test_issue_crosses_processes_with_or_without_a_value():
    with_value = Issue("a.b", "too big", 5, "f.yaml")
    without = Issue("a.c", "missing")
    back = [issue_from_data(copy.deepcopy(issue_data(i))) for i in (with_value, without)]  # deepcopy: as pickling makes new objects
    assert [str(i) for i in back] == ["f.yaml: a.b: too big (got 5)", "a.c: missing"]


plain = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=5)),
                     lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=4), inner, max_size=4)), max_leaves=30)


@settings(max_examples=200, deadline=None)
@given(plain)
def test_plain_copy_is_an_equal_tree_sharing_no_container(value):
    out = plain_copy(value)
    assert out == value

    def containers(v):
        if isinstance(v, dict):
            yield v
            for x in v.values():
                yield from containers(x)
        elif isinstance(v, list):
            yield v
            for x in v:
                yield from containers(x)

    ids = {id(c) for c in containers(value)}
    assert not any(id(c) in ids for c in containers(out))


def test_workers_start_with_the_preloaded_objects_frozen(pool):
    # the forkserver freezes what it preloaded (simulator.sweep.preload): a worker's collector
    # never scans the modules and profiles again (nor copies their memory pages to do so)
    import gc
    import multiprocessing

    if "forkserver" not in multiprocessing.get_all_start_methods():
        pytest.skip("no forkserver here: workers are spawned, nothing is preloaded")
    assert pool.pool.submit(gc.get_freeze_count).result() > 10_000
    assert gc.get_freeze_count() == 0  # this process is left as it was
