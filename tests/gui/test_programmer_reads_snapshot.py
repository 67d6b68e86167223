"""The pump programmer loads its editor from the pump's snapshot: a periodic program's first bolus
delay is no longer lost (it came back as 0, so re-transmitting an unchanged program gave a bolus at once)."""
from __future__ import annotations

import pytest

from tests.pump.helpers import HOUR, MIN, make_sim, morphine_settings

# 1 mg/day basal and 0.5 mg every 6 h, the first 30 min after programming (max 15 mg/day for morphine)
PERIODIC = {"type": "periodic", "dose_mg_per_day": 1, "bolus_dose_mg": 0.5, "interval_h": 6, "first_bolus_after_min": 30}


def test_periodic_program_reloads_with_its_first_bolus_delay_and_retransmits_unchanged(qtbot, make_window, no_dialogs):
    sim = make_sim(morphine_settings(mode=PERIODIC), duration="2d")
    window = make_window(sim)
    pp = window.device_views["pump"].extra["programmer"]
    pp.revert()
    assert pp.mode_editor.mode_dict()["first_bolus_after_min"] == pytest.approx(30)
    # 2 h in, the next bolus (0.5 h + 6 h) is 270 min away: the editor shows that, and sending it keeps the schedule
    sim.run(2 * HOUR)
    pp.revert()
    mode = pp.mode_editor.mode_dict()
    assert mode["first_bolus_after_min"] == pytest.approx(270, abs=0.1)  # the editor's spin box keeps 1 decimal
    assert mode["interval_h"] == 6 and mode["bolus_dose_mg"] == pytest.approx(0.5)
    assert pp.transmit_pending()
    assert sim.devices["pump"].snapshot().next_periodic_bolus_t_s == pytest.approx(6.5 * HOUR, abs=0.1 * MIN)
