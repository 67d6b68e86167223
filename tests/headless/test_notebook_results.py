"""Results in a notebook: a short repr, an HTML table, flat event frames with calendar time,
series frames indexed by calendar time with units, and documented public functions."""
from __future__ import annotations

import inspect
import pydoc
import sys

import pandas as pd
import pytest

from simulator import api
import simulator.results as results_module
from simulator.api import run
from simulator.events import EventRecord
from simulator.results import Results
from tests.conftest import ROOT

DAY = 86400.0


@pytest.fixture(scope="module")
def cc():
    return run(ROOT / "scenarios" / "pump_concentration_change.yaml")


def test_repr_is_one_short_line(cc):
    text = repr(cc)
    assert "\n" not in text and len(text) < 250
    assert text.startswith("<Results 'Concentration change with and without a bridge bolus' seed 3: 20 days, devices no_bridge, bridge;")
    assert "0 alarms raised" in text


def test_repr_html_shows_devices_duration_figures_and_alarms(toy_registry, toy_scenario_dict):
    results = run(toy_scenario_dict, registry=toy_registry)
    page = results._repr_html_()
    # the toy tank: 10 mL at 0.5 mL/day, +4 mL at day 5, 1 mL/day from day 10: empty at day 19
    assert "<td>19.00</td><td>tank</td><td>empty</td><td>critical</td>" in page
    assert "Alarms raised: 1" in page and "30 days" in page and "<td>tank</td>" in page
    assert "volume_ml = 0" in page  # a key figure: the tank is empty at the end
    assert len(page) < 5000


def test_repr_html_escapes_names_and_caps_the_alarm_list():
    events = [EventRecord(k, k * DAY, "p<1>", "alarm.raised", {"alarm": "a", "severity": "critical"}) for k in range(25)]
    figures = {"x_ml": 1.5, "next_refill_t_s": 45 * DAY, "time_stimulating_s": 12 * 3600.0}
    r = Results("<b>x</b>", 0, "2026-01-01T00:00:00", 30 * DAY, events, {}, {"devices": {"p<1>": figures}}, {})
    page = r._repr_html_()
    # times and durations in days: 45 d; 12 h = 0.5 d
    assert "x_ml = 1.5; next_refill = day 45; time_stimulating_days = 0.5" in page
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page and "p&lt;1&gt;" in page
    assert page.count("<td>a</td>") == 10 and "... and 15 more" in page


def test_events_frame_flat_has_payload_columns_and_calendar_time(cc):
    frame = cc.events_frame(kind="dose_error.*", flat=True)
    row = frame[frame.device == "no_bridge"].iloc[0]
    # by hand: dead volume 0.26 + 50 x 0.0022 = 0.37 mL holding 10 mg/mL (3.7 mg) where the pump
    # counts 20 mg/mL (7.4 mg): -3.7 mg, -50 %, flushed at 0.1 mL/day in 3.7 d = 88.8 h
    assert row.dead_volume_ml == pytest.approx(0.37)
    assert row.error_amount == pytest.approx(-3.7) and row.error_pct == pytest.approx(-50.0)
    assert row.flush_hours == pytest.approx(88.8)
    # the refill at day 10 of a scenario starting 2026-01-05 08:00
    assert row.time == pd.Timestamp("2026-01-15 08:00:00") and row.t_s == 10 * DAY
    assert "payload" not in frame.columns
    actions = cc.events_frame(device="no_bridge", kind="action", flat=True)
    assert list(actions["params.fill_ml"]) == [18] and list(actions["params.concentration_mg_per_ml"]) == [20]
    nested = cc.events_frame(device="no_bridge", kind="action")
    assert nested.loc[0, "payload"]["params"]["fill_ml"] == 18 and nested.loc[0, "time"] == pd.Timestamp("2026-01-15 08:00")


def test_flat_payload_field_named_like_a_column_is_prefixed():
    r = Results("x", 0, "", DAY, [EventRecord(0, 0.0, "d", "k", {"kind": "inner", "v": {"a": 1}})], {}, {}, {})
    frame = r.events_frame(flat=True)
    assert frame.loc[0, "kind"] == "k" and frame.loc[0, "payload.kind"] == "inner" and frame.loc[0, "v.a"] == 1
    assert frame["time"].isna().all()  # no calendar start: no calendar time


def test_series_frame_by_calendar_with_units(cc):
    frame = cc.series_frame("no_bridge", step_s=DAY, index="calendar")
    assert frame.index.name == "time" and frame.index[0] == pd.Timestamp("2026-01-05 08:00")
    # 20 mL at 2 mg/day / 10 mg/mL = 0.2 mL/day: 19 mL at day 5 (2026-01-10 08:00)
    assert frame.loc[pd.Timestamp("2026-01-10 08:00"), "reservoir_ml"] == pytest.approx(19.0)
    assert frame.loc[pd.Timestamp("2026-01-10 08:00"), "t_s"] == 5 * DAY
    assert frame.attrs["units"]["reservoir_ml"] == "mL" and frame.attrs["units"]["t_s"] == "s"
    assert frame.attrs["units"]["rate_ml_per_day"] == "mL/day"
    plain = cc.series_frame("no_bridge", step_s=DAY)
    assert plain.index[5] == 5 and plain.loc[5, "reservoir_ml"] == pytest.approx(19.0) and plain.attrs["units"]["reservoir_ml"] == "mL"
    with pytest.raises(ValueError):
        cc.series_frame("no_bridge", index="days")


def test_frames_without_pandas_name_the_extra(cc, monkeypatch):
    from simulator.extras import MissingExtra

    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(MissingExtra) as err:
        cc.events_frame()
    assert "pip install 'neuromod-sim[data]'" in str(err.value)


def _public(module):
    for name, obj in vars(module).items():
        if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
            continue
        if inspect.isfunction(obj):
            yield name, obj
        elif inspect.isclass(obj):
            yield name, obj
            for mname, member in vars(obj).items():
                if not mname.startswith("_") and (inspect.isfunction(member) or isinstance(member, (classmethod, property))):
                    yield f"{name}.{mname}", member


@pytest.mark.parametrize("module", [results_module, api])
def test_every_public_function_and_class_has_a_docstring(module):
    missing = [name for name, obj in _public(module) if not inspect.getdoc(obj if not isinstance(obj, classmethod) else obj.__func__)]
    assert missing == []


def test_help_run_explains_arguments_returns_and_an_example():
    text = pydoc.render_doc(api.run, renderer=pydoc.plaintext)
    for needed in ("Args:", "seed:", "until:", "Returns:", "Results", "Example:", "seconds", "Raises:"):
        assert needed in text
    assert len(text.splitlines()) > 20
