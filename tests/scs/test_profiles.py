"""Bundled stimulator and lead profiles: sources, geometry, and the published claims."""
import math

import pytest

from simulator.scs.claims import evaluate_claim
from simulator.scs.leads import LeadPlacement, contact_map, level_name
from simulator.scs.profile import StimulatorProfile

ARCHETYPES = {
    "scs/rechargeable-micc-16", "scs/rechargeable-micc-32", "scs/recharge-free-burst", "scs/rechargeable-burst",
    "scs/high-frequency-10khz", "scs/closed-loop-ecap", "scs/recharge-free-tonic",
}


def test_all_archetypes_bundled(registry):
    assert ARCHETYPES <= set(registry.ids("scs"))
    assert {"lead/percutaneous-8", "lead/percutaneous-12", "lead/paddle-16", "lead/paddle-32"} <= set(registry.ids("lead"))


def test_every_figure_has_a_source(registry):
    for p in registry.all("scs") + registry.all("lead"):
        assert p.figures_without_source() == [], p.id


def test_every_scs_profile_has_a_claim_that_holds(registry):
    for p in registry.all("scs"):
        assert p.claims, p.id
        for claim in p.claims:
            result = evaluate_claim(p, claim)
            assert result["holds"], (p.id, result)


def test_eterna_like_one_hour_charge_lasts_three_weeks(registry):
    p = registry.get("scs/rechargeable-burst")
    r = evaluate_claim(p, p.claims[0])
    # burst 0.6 mA x 1000 us, 200 pulses/s, 1 phase, V = 0.6 mA x 1050 ohm + 1 V = 1.63 V, eff 0.8:
    # 200 x 0.6e-3 x 1.63 x 1e-3 / 0.8 = 244.5 uW; / 3.7 V = 66.08 uA; + 10 uA quiescent = 76.08 uA
    assert r["drain_ma"] == pytest.approx(0.07608, rel=1e-3)
    # 45 mA x 1 h = 45 mAh / 0.07608 mA = 591.5 h = 24.6 days >= 21
    assert r["model"] == pytest.approx(45.0 / 0.07608108 / 24.0, rel=1e-4)
    assert r["model"] >= 21.0


def test_proclaim_like_ten_years_at_low_dose_burst(registry):
    p = registry.get("scs/recharge-free-burst")
    r = evaluate_claim(p, p.claims[0])
    # duty 30/390; 244.5 uW x 30/390 / 3.0 V = 6.269 uA + 3 uA = 9.269 uA
    assert r["drain_ma"] == pytest.approx((0.2445e-3 * 30 / 390 / 3.0) * 1e3 + 0.003, rel=1e-3)
    # 840 mAh x 0.98 / 9.269 uA = 88,810 h = 10.14 years
    assert 10.0 <= r["model"] <= 11.0


def test_vanta_like_up_to_eleven_years(registry):
    p = registry.get("scs/recharge-free-tonic")
    r = evaluate_claim(p, p.claims[0])
    assert 11.0 <= r["model"] <= 12.1


def test_senza_like_pulse_dosing_daily_charge_minutes(registry):
    p = registry.get("scs/high-frequency-10khz")
    continuous, dosing = (evaluate_claim(p, c) for c in p.claims)
    assert continuous["model"] >= 1.0
    assert 8.0 <= dosing["model"] <= 14.0


def test_percutaneous_contact_area(perc8):
    # pi x 1.3 mm x 3 mm = 12.25 mm2 = 0.1225 cm2
    assert perc8.contact_area_cm2 == pytest.approx(math.pi * 1.3 * 3 / 100)
    assert perc8.contact_area_cm2 == pytest.approx(0.1225, abs=1e-4)


def test_paddle_geometry(registry):
    paddle = registry.get("lead/paddle-16")
    assert paddle.rows == 8 and paddle.columns == 2
    assert paddle.contact_area_cm2 == pytest.approx(0.08)  # 2 mm x 4 mm = 8 mm2
    pos = paddle.contact_positions_mm()
    assert pos[0] == (-2.0, 0.0) and pos[1] == (2.0, 0.0) and pos[2] == (-2.0, 5.0)


def test_every_contact_gets_a_level(registry):
    leads = [registry.get("lead/percutaneous-8"), registry.get("lead/percutaneous-8")]
    placements = [LeadPlacement(lead=leads[0].id, top_level="T8", side="left"), LeadPlacement(lead=leads[1].id, top_level="T9", side="right")]
    cmap = contact_map(placements, leads)
    assert list(cmap) == [f"E{i}" for i in range(1, 17)]
    # lead 1: contacts at 0, 4, ..., 28 mm below the top of T8; segment 25 mm, top contact a quarter segment down
    # 0..16 mm -> T8 (floor(d/25 + .25) = 0), 20..28 mm -> T9
    assert [cmap[f"E{i}"]["level"] for i in range(1, 9)] == ["T8"] * 5 + ["T9"] * 3
    assert cmap["E9"]["level"] == "T9" and cmap["E9"]["side"] == "right"
    assert level_name("L5", 200.0) == "S1"  # clipped at the bottom


def test_bad_level_is_refused():
    with pytest.raises(Exception, match="unknown vertebral level"):
        LeadPlacement(lead="lead/percutaneous-8", top_level="T13")


def test_profile_rejects_inconsistent_battery(micc16):
    data = micc16.model_dump()
    data["battery"]["charge_current_ma"] = 0.0
    with pytest.raises(Exception, match="charge_current_ma"):
        StimulatorProfile.model_validate(data)
