"""The fast writer (one reused encoder, the finite check only where encoding fails, series
written in bulk, summary.json indented with the C encoder) writes exactly the bytes of the
straightforward writer it replaced, kept here as the reference: every value through
`finite_or_none`, one `json.dumps` per event, one `repr` pair per series line."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.events import EventRecord
from simulator.recorder import Recorder, Series
from simulator.results import (
    _jsonable,
    compact_json,
    dumps,
    finite_or_none,
    json_line,
    json_lines_text,
    pretty_json,
)

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml"))


def reference_files(results) -> dict[str, str]:
    """What the writer wrote before the fast path: file name -> text."""
    strict = {"default": _jsonable, "allow_nan": False}
    out = {
        "events.jsonl": "".join(json.dumps(finite_or_none(e.as_dict()), separators=(",", ":"), **strict) + "\n" for e in results.events),
        "summary.json": json.dumps(finite_or_none(results.summary), indent=2, **strict) + "\n",
        "scenario.json": json.dumps(results.scenario_json, indent=2) + "\n",
    }
    index = {}
    for (device, signal), series in sorted(results.series.items()):
        name = f"{device}.{signal}.csv"
        t_list, v_list = [float(x) for x in series.t_s], [float(x) for x in series.values]
        index[name] = {"device": device, "signal": signal, "unit": series.unit, "interp": series.interp, "points": len(t_list)}
        out[f"series/{name}"] = f"t_s,{signal}\n" + "".join(f"{t!r},{v!r}\n" for t, v in zip(t_list, v_list))
    out["series/index.json"] = json.dumps(index, indent=2) + "\n"
    return out


@pytest.mark.parametrize("name", BUNDLED)
def test_fast_writer_output_equals_the_reference_writer(name, tmp_path):
    from simulator.api import run

    results = run(name)
    dest = results.write(tmp_path / "out")
    expected = reference_files(results)
    written = {str(p.relative_to(dest)): p.read_text(encoding="utf-8") for p in dest.rglob("*") if p.is_file() and p.name != "neuromod-sim-result.json"}
    assert sorted(written) == sorted(expected)
    for file, text in expected.items():
        assert written[file] == text, file


def test_non_finite_values_are_written_as_null_only_where_they_are():
    record = EventRecord(3, 7.5, "pump", "x", {"a": float("nan"), "b": [1.0, float("inf"), -float("inf")], "c": np.float32(0.5), "d": np.int64(4)})
    assert json_line(record) == '{"seq":3,"t_s":7.5,"device":"pump","kind":"x","payload":{"a":null,"b":[1.0,null,null],"c":0.5,"d":4}}'
    assert compact_json({"a": math.nan, "b": 2}) == '{"a":null,"b":2}'
    assert dumps({"a": [0.1, math.nan]}, indent=2) == '{\n  "a": [\n    0.1,\n    null\n  ]\n}'
    finite = EventRecord(0, 0.1, "ipg", "y", {"v": 1e-300, "w": "\u00b5s"})
    assert json_line(finite) == '{"seq":0,"t_s":0.1,"device":"ipg","kind":"y","payload":{"v":1e-300,"w":"\\u00b5s"}}'


def test_a_batch_of_events_is_the_lines_of_its_events():
    """One encoder call for the batch, cut where one event ends and the next begins ('},{"seq":');
    a NaN or infinity in a payload, or a payload holding records keyed "seq" first (the boundary
    text once more), take the line-by-line way: same text. A string holding the boundary's
    characters cannot be mistaken for one (its quotes are escaped)."""
    nested = {"a": [{"b": 1.5}, {"c": [None, True]}], "d": {}}
    records = [
        EventRecord(0, 0.0, "sim", "sim.start", {"seed": 1}),
        EventRecord(1, 36000.0, "pump", "bolus.start", nested),
        EventRecord(2, 0.1, "ipg", "x", {"text": "},NaN,{ and Infinity", "e": np.float64(2.5)}),
        EventRecord(3, 1e300, "pump", "y", {"v": float("nan"), "w": [float("-inf")]}),
        EventRecord(4, 5.0, "pump", "z", {}),
        EventRecord(5, 6.0, "pump", "log", {"rows": [{"seq": 1}, {"seq": 2}], "text": '},{"seq":'}),
        EventRecord(6, 7.0, "pump", "z", {"text": '},{"seq":7'}),
    ]
    lines = "".join(json_line(r) + "\n" for r in records)
    assert json_lines_text(records) == lines
    for start in range(len(records)):
        for end in range(start, len(records) + 1):
            part = records[start:end]
            assert json_lines_text(part) == "".join(json_line(r) + "\n" for r in part)
    assert json_lines_text([]) == ""
    assert json_lines_text(records[:2]) == (
        '{"seq":0,"t_s":0.0,"device":"sim","kind":"sim.start","payload":{"seed":1}}\n'
        '{"seq":1,"t_s":36000.0,"device":"pump","kind":"bolus.start","payload":{"a":[{"b":1.5},{"c":[null,true]}],"d":{}}}\n'
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=5),
                          st.dictionaries(st.text(max_size=4), st.floats() | st.text(max_size=6) | st.integers(), max_size=3)), max_size=6))
def test_any_batch_of_events_is_the_lines_of_its_events(items):
    records = [EventRecord(i, t, "dev", kind, payload) for i, (t, kind, payload) in enumerate(items)]
    assert json_lines_text(records) == "".join(json_line(r) + "\n" for r in records)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_pretty_json_is_the_standard_librarys_indented_text(value):
    assert pretty_json(value, 2, allow_nan=True, default=None) == json.dumps(value, indent=2)
    assert dumps(value, indent=2) == json.dumps(finite_or_none(value), indent=2, allow_nan=False)


def test_pretty_json_of_a_timeline_with_runs_of_flat_records():
    """A scenario's timeline: flat actions ('params': {} on one line, as json.dumps writes it)
    encoded a run at a time, the actions with parameters one by one, in order."""
    bolus = {"at": "10h", "device": "pump", "action": "patient_bolus", "params": {}}
    refill = {"at": "30d", "device": "pump", "action": "refill", "params": {"fill_ml": 18}}
    timeline = [dict(bolus, at=f"{h}h") for h in range(20)] + [refill] + [dict(bolus, at=f"{h}h", x=[]) for h in range(9)] + [refill, refill]
    for value in ({"timeline": timeline}, timeline, timeline[:8], timeline[3:], [refill] * 8 + [bolus] * 8, [bolus] * 7 + [refill]):
        assert pretty_json(value, 2, allow_nan=True, default=None) == json.dumps(value, indent=2)
        assert pretty_json(value, 4) == json.dumps(value, indent=4)


flat_records = st.lists(
    st.dictionaries(st.text(max_size=3), st.none() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=4) | st.just({}) | st.just([])
                    | st.dictionaries(st.text(max_size=2), st.integers(), min_size=1, max_size=2), max_size=3),
    min_size=6, max_size=30)


@settings(max_examples=150, deadline=None)
@given(flat_records)
def test_pretty_json_of_any_list_of_records(records):
    assert pretty_json(records, 2) == json.dumps(records, indent=2)
    assert pretty_json({"k": records}, 2) == json.dumps({"k": records}, indent=2)


def test_pretty_json_leaves_non_string_keys_to_the_standard_library():
    value = {1: [1.5], "a": {}, "b": []}
    assert pretty_json(value, 2) == json.dumps(value, indent=2)  # '"1": ...' as json writes it


def test_series_are_typed_arrays_and_equal_after_pickling():
    import pickle
    from array import array

    s = Series("pump", "reservoir_ml", "mL", "linear")
    for t, v in ((0.0, 20.0), (3600.0, 19.5), (7200.0, 19.0)):
        s.add(t, v)
    assert isinstance(s._t, array) and s._t.itemsize == 8 and list(s._t) == [0.0, 3600.0, 7200.0]
    assert pickle.loads(pickle.dumps(s)) == s
    # a step series keeps level changes only, in bulk as one by one
    step = Series("pump", "rate", "mL/d", "step")
    step.add(0.0, 1.0)
    step.extend(np.array([10.0, 20.0, 30.0, 40.0]), np.array([1.0, 2.0, 2.0, 3.0]))
    assert list(step._t) == [0.0, 20.0, 40.0] and list(step._v) == [1.0, 2.0, 3.0]


def test_recorder_index_gives_each_devices_events_of_a_kind_in_order():
    rec = Recorder()
    kinds = ["refusal", "warning", "refusal", "action", "refusal"]
    for i, kind in enumerate(kinds):
        rec.on_event(EventRecord(i, float(i), "pump" if i % 2 == 0 else "ipg", kind, {}))
    assert [e.seq for e in rec.events_of("pump", "refusal")] == [0, 2, 4]
    assert rec.events_of("ipg", "warning")[0].seq == 1 and rec.events_of("ipg", "refusal") == []
    rec.on_event(EventRecord(5, 5.0, "pump", "refusal", {}))  # recorded after the index was built
    assert [e.seq for e in rec.events_of("pump", "refusal")] == [0, 2, 4, 5]
