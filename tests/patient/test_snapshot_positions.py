"""The patient snapshot's lead and contact positions (what the app's spine and X-ray views draw).

Hand-worked (docs/patient.md, anatomy.py): vertebra units with C1 = 0, T1 = 7, so T9 = 15; the top
contact a quarter segment below the top of its level; lead/percutaneous-8 contacts 4 mm apart at
25 mm a segment = 0.16 level; a left lead without offset lies 2 mm left (x = -2 mm).
Migration scenario: lead at T9 left; on day 10 it moves 12.5 mm = 0.5 level caudally.
"""
from __future__ import annotations

import pytest
from simulator.engine import Simulation
from simulator.scenario import load_scenario

DAY_S = 86400.0


def test_contacts_now_and_at_implant_before_and_after_the_migration():
    sim = Simulation(load_scenario("scs_patient_migration"))
    sim.run(until=3 * DAY_S)
    snap = sim.devices["patient"].snapshot()
    assert snap.stimulator == "ipg" and snap.segment_mm == 25.0
    c = {p.contact: p for p in snap.contacts}
    assert list(c) == [f"E{i}" for i in range(1, 9)]
    assert c["E1"].position_levels == pytest.approx(15.25) and c["E1"].placed_position_levels == pytest.approx(15.25)
    assert c["E8"].position_levels == pytest.approx(15.25 + 7 * 0.16)  # 16.37: T10
    assert (c["E1"].level, c["E8"].level, c["E1"].x_mm, c["E1"].lead) == ("T9", "T10", -2.0, 1)
    lead = snap.leads[0]
    assert (lead.placed_level, lead.top_position_levels, lead.placed_top_position_levels, lead.lateral_mm) == ("T9", 15.25, 15.25, -2.0)
    sim.run(until=11 * DAY_S)
    snap = sim.devices["patient"].snapshot()
    c = {p.contact: p for p in snap.contacts}
    assert c["E1"].position_levels == pytest.approx(15.75) and c["E1"].placed_position_levels == pytest.approx(15.25)
    # the cathode E3: 15.25 + 0.32 + 0.5 = 16.07, on T10 now (T9 at implant)
    assert c["E3"].position_levels == pytest.approx(16.07) and c["E3"].level == "T10"
    lead = snap.leads[0]
    assert (lead.migrated_mm, lead.top_position_levels, lead.placed_level, lead.top_level) == (12.5, pytest.approx(15.75), "T9", "T9")
