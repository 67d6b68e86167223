import numpy as np

from simulator.recorder import Recorder


def test_linear_series_interpolates_and_keeps_jumps():
    rec = Recorder()
    # reservoir: 20 mL falling 0.2 mL/day for 10 days, refilled to 20 mL at day 10
    rec.record(0.0, "pump", "reservoir_ml", 20.0)
    rec.record(10 * 86400.0, "pump", "reservoir_ml", 18.0)
    rec.record(10 * 86400.0, "pump", "reservoir_ml", 20.0)
    rec.record(20 * 86400.0, "pump", "reservoir_ml", 18.0)
    s = rec.get("pump", "reservoir_ml")
    assert np.allclose(s.at([0.0, 5 * 86400.0, 15 * 86400.0]), [20.0, 19.0, 19.0])
    assert s.at(10 * 86400.0) == 20.0  # after the jump
    assert np.isnan(s.at(-1.0))


def test_step_series_holds_levels_and_skips_repeats():
    rec = Recorder()
    for t, v in [(0, 1.0), (5, 1.0), (10, 3.0), (12, 3.0)]:
        rec.record(t, "ipg", "stimulating", v, interp="step")
    s = rec.get("ipg", "stimulating")
    assert list(s.t_s) == [0.0, 10.0]
    assert list(s.at([0, 9.99, 10, 100])) == [1.0, 1.0, 3.0, 3.0]
    rec.close(50.0)
    assert list(s.t_s) == [0.0, 10.0, 50.0]
