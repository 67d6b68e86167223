"""Event records as sentences (simulator.event_text): units, plain numbers, no raw data."""
from __future__ import annotations

import math
import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from simulator.event_text import describe, known_kinds, num

SCIENTIFIC = re.compile(r"\d(\.\d+)?[eE][-+]?\d")
ROOT = Path(__file__).resolve().parents[2]


def test_refill_sentence_with_discrepancy_by_hand():
    # (5.0 - 3.5) / 5.0 = 30 % discrepancy
    rec = {"kind": "refill.completed", "payload": {"drug": "morphine", "unit": "mg", "concentration_per_ml": 20.0, "fill_ml": 18.0,
                                                   "reservoir_ml": 18.0, "aspirated_ml": 3.5, "expected_residual_ml": 5.0}}
    assert describe(rec) == "Refill: 18.0 mL of morphine 20 mg/mL; aspirated 3.5 mL, expected 5.0 mL (30 % discrepancy); reservoir now 18.0 mL"


def test_kind_sentences_by_hand():
    assert describe({"kind": "program.changed", "payload": {"mode": "continuous", "daily_dose": 2.5, "unit": "mg", "rate_ml_per_day": 0.125}}) == \
        "Program: continuous, 2.5 mg/day = 0.125 mL/day"
    assert describe({"kind": "bolus.start", "payload": {"bolus": "single", "unit": "mg", "dose": 0.5, "volume_ml": 0.5, "duration_s": 1800.0}}) == \
        "Single bolus started: 0.5 mg in 0.5 mL over 30 min"
    assert describe({"kind": "alarm.repeats", "payload": {"alarm": "low_reservoir", "message": "low reservoir: refill soon", "first_t_s": 3600.0,
                                                          "interval_s": 3600.0, "count": 3, "last_t_s": 3 * 3600.0}}) == \
        "Alarm repeated 3 times, every 1 h from 0d 01:00:00 to 0d 03:00:00: low reservoir: refill soon"


def test_scientific_notation_in_a_device_message_is_rewritten():
    assert describe({"kind": "warning", "payload": {"message": "flow 1.5e-05 mL/s, far below 2E+03"}}) == "Warning: flow 0.000015 mL/s, far below 2000"


def test_unknown_kind_falls_back_to_a_readable_sentence():
    text = describe({"kind": "lead.migration", "payload": {"distance_mm": 3.25, "contacts": ["E1", "E2"], "detail": {"axis": "rostral", "certain": False}, "t_s": 7200.0}})
    assert text == "Lead migration: distance mm 3.25; contacts E1; E2; detail axis rostral, certain no; time at 0d 02:00:00"
    assert "{" not in text and "[" not in text


@given(st.floats(min_value=1e-7, max_value=1e12) | st.floats(min_value=-1e12, max_value=-1e-7))
def test_num_is_plain_decimal_and_close(x):
    text = num(x)
    assert not SCIENTIFIC.search(text) and "e" not in text
    value = float(text)
    # 4 significant figures, at most 9 decimals
    assert math.isclose(value, x, rel_tol=1e-3, abs_tol=1e-9)


def _bundled_runs():
    from gui.scenario_io import open_scenario
    from simulator.engine import Simulation
    from simulator.training.exercise import load_exercise
    from simulator.training.catalog import bundled_exercise_paths

    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        sim = Simulation(open_scenario(path))
        sim.run()
        yield path.name, sim
    for path in bundled_exercise_paths():
        ex = load_exercise(path)
        sim = Simulation(ex.scenario_model, validate=False)
        sim.run()
        yield path.name, sim


def test_every_kind_of_the_bundled_scenarios_reads_as_a_sentence():
    seen: dict[str, str] = {}
    for name, sim in _bundled_runs():
        for rec in sim.recorder.events:
            text = describe(rec)
            assert not SCIENTIFIC.search(text), (name, rec.kind, text)
            assert "{" not in text and "}" not in text, (name, rec.kind, text)
            assert "_" not in text.split(":")[0], (name, rec.kind, text)  # the sentence starts in words
            seen.setdefault(rec.kind, text)
    assert {"refill.completed", "alarm.raised", "closed_loop.ecap", "impedance.check"} <= set(seen)
    assert not set(seen) - set(known_kinds()), "kinds without their own sentence"
