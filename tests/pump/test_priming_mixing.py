"""The priming-bolus mixing hazard: drug before the bolus ends, then a spell of lower concentration."""
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from tests.pump.helpers import DAY, MIN, kinds, make_sim, morphine_settings

# peristaltic-20ml: dead volume 0.26 + 50 x 0.0022 = 0.37 mL, priming at 1.0 mL/h -> 0.37 mL in 22.2 min.
# mixing fraction 0.2 -> zone m = 0.074 mL. Morphine 10 mg/mL:
#   early drug C m / 4 = 10 x 0.074 / 4 = 0.185 mg, all before the bolus ends (from 0.296 mL pushed = 17.76 min);
#   then m / 2 = 0.037 mL at 5 mg/mL: under-dose 0.185 mg over 0.037 / 0.2 mL/day = 0.185 day = 4.44 h.
PRIMING_S = 22.2 * MIN


def primed_sim(fraction=0.2, duration="3d"):
    settings = morphine_settings(dead_volume_primed=False, priming_mixing_fraction=fraction)
    return make_sim(settings, duration=duration, timeline=[{"at": "0s", "action": "priming_bolus"}])


def test_priming_mixing_by_hand():
    sim = primed_sim()
    res = sim.run().results()
    pump = sim.devices["pump"]
    hazard = kinds(res, "priming.mixing")[0].payload
    assert hazard["zone_ml"] == pytest.approx(0.074)
    assert hazard["early_amount"] == pytest.approx(0.185) and hazard["underdose_amount"] == pytest.approx(0.185)
    assert hazard["spell_volume_ml"] == pytest.approx(0.037) and hazard["spell_hours"] == pytest.approx(4.44)
    assert pump.delivered_drug_at(17.5 * MIN) == 0.0  # still water ahead of the zone
    assert pump.delivered_drug_at(PRIMING_S) == pytest.approx(0.185)  # drug before the bolus ends
    # after the spell the total is what an unmixed prime gives: 0.037 mL x 10 mg/mL = 0.37 mg ...
    assert pump.delivered_drug_at(PRIMING_S + 0.185 * DAY) == pytest.approx(0.37)
    # ... and one day after priming: 0.37 + (0.2 - 0.037) x 10 = 2.0 mg
    assert pump.delivered_drug_at(PRIMING_S + DAY) == pytest.approx(2.0)
    # half-strength at the tip during the spell: 0.2 mL/day x 5 mg/mL = 1 mg/day
    assert sim.recorder.get("pump", "drug_rate_mg_per_day").at(PRIMING_S + 0.1 * DAY) == pytest.approx(1.0)
    assert res.device_summary("pump")["priming_hazards"][0]["early_amount"] == pytest.approx(0.185)


def test_no_mixing_gives_the_plain_fifo_and_a_primed_catheter_no_hazard():
    sim = primed_sim(fraction=0.0)
    res = sim.run().results()
    assert not kinds(res, "priming.mixing")
    assert sim.devices["pump"].delivered_drug_at(PRIMING_S) == pytest.approx(0.0, abs=1e-12)
    primed = make_sim(morphine_settings(), duration="1d", timeline=[{"at": "1h", "action": "priming_bolus"}])
    assert not kinds(primed.run().results(), "priming.mixing")


@hsettings(max_examples=20, deadline=None)
@given(fraction=st.floats(0.0, 1.0), at_min=st.floats(0.0, 3 * 24 * 60))
def test_priming_mixing_keeps_the_mass_balance(fraction, at_min):
    sim = primed_sim(fraction)
    sim.run(until=at_min * 60.0)
    assert abs(sim.devices["pump"].mass_balance()["residual"]) < 1e-9
    sim.run()
    assert abs(sim.devices["pump"].mass_balance()["residual"]) < 1e-9
