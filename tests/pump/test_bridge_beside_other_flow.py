"""A bridge bolus ends when the reservoir's drug reaches the catheter tip, also when other flow
ran beside it (found by the daily-maximum property test: a periodic bolus running under a bridge
bolus pushed part of the dead volume, the bridge ran its full volume on and gave 1 mg of new drug
at the bridge rate, 15.38 mg in 24 h against a 14.5 mg/day program and a 15 mg maximum)."""
from __future__ import annotations

import numpy as np
import pytest

from tests.pump.helpers import DAY, HOUR, kinds, make_sim

# peristaltic-20ml: pump tubing 0.26 mL + catheter; the dead volume the pump reports is used below
SETTINGS = {"drug": "drug/morphine", "concentration_mg_per_ml": 20.0, "reservoir_ml": 20.0, "dead_volume_primed": False,
            "mode": {"type": "continuous", "dose_mg_per_day": 1.0}}
# 8.5 mg/day basal + a 1 mg periodic bolus every 4 h from t = 0: 8.5 + 6 x 1 = 14.5 mg/day programmed
PERIODIC = {"type": "periodic", "dose_mg_per_day": 8.5, "bolus_dose_mg": 1.0, "interval_h": 4, "first_bolus_after_min": 0.0}
TIMELINE = [{"at": 0.0, "action": "program", "params": {"mode": PERIODIC}}, {"at": 24.0, "action": "bridge_bolus"}]


def _run():
    sim = make_sim(SETTINGS, duration="3d", timeline=TIMELINE)
    res = sim.run().results()
    return sim, res


def test_bridge_ends_when_the_drug_reaches_the_tip_beside_a_periodic_bolus():
    sim, res = _run()
    dead_ml = sim.devices["pump"].snapshot().dead_volume_ml
    periodic_ml = 1.0 / 20.0  # 1 mg at 20 mg/mL = 0.05 mL, all of it through the catheter before the drug-free fluid left
    basal_ml = 8.5 / 20.0 * 24.0 / 86400.0  # the basal (0.425 mL/day) in the 24 s before the bridge replaced it
    # by hand: the drug-free fluid is the dead volume less what entered in the 24 s before the bridge
    # (the basal, and 0.05 mL x 24/180 of the periodic bolus); it leaves when the bridge plus the rest of
    # the periodic bolus (0.05 x 156/180) have pushed it out: bridge volume = dead - 0.05 mL - basal_ml
    end = [e for e in kinds(res, "bolus.end") if e.payload["bolus"] == "bridge"]
    assert len(end) == 1
    assert end[0].payload["volume_ml"] == pytest.approx(dead_ml - periodic_ml - basal_ml, abs=1e-9)
    tip = [e.t_s for e in kinds(res, "dead_volume.tip_change")]
    assert end[0].t_s == pytest.approx(tip[0], abs=1e-6)  # the same moment as the tip change
    assert any(e.payload.get("limit") == "bridge_volume_ml" for e in kinds(res, "warning"))


def test_no_24h_window_above_the_program_after_a_shortened_bridge():
    _, res = _run()
    t, cum = (np.asarray(a) for a in res.series_arrays("pump", "cumulative_drug_mg"))
    starts = np.unique(np.concatenate([t, t - DAY]))
    starts = starts[(starts >= 0) & (starts <= t[-1] - DAY)]
    totals = np.interp(starts + DAY, t, cum) - np.interp(starts, t, cum)
    # at most the program's 14.5 mg/day (the drug-free dead volume only delays the first drug)
    assert totals.max() <= 14.5 + 1e-6, (totals.max(), starts[totals.argmax()] / HOUR)
