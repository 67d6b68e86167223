"""The four SCS example scenarios run and give their key numbers (worked out in comments)."""
import math
from pathlib import Path

import numpy as np
import pytest

from simulator.engine import run_scenario
from simulator.scenario import load_scenario
from simulator.scs.closed_loop import amplitude_for_ecap_ma

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def run(name):
    return run_scenario(load_scenario(SCENARIOS / name))


def ev(r, device, kind):
    return [e for e in r.events if e.device == device and e.kind == kind]


def test_tonic_burst_hf_year():
    r = run("scs_tonic_burst_hf_year.yaml")
    # tonic 1.5 mA, 200 us, 30 Hz passive: V = 1.5 mA x 1050 ohm + 1 V = 2.575 V;
    # 30 x 1.5e-3 x 2.575 x 200e-6 / 0.8 = 28.97 uW / 3 V = 9.656 uA + 3 uA = 12.656 uA;
    # a year: 12.656e-3 mA x 8760 h = 110.87 mAh of 1250 mAh = 8.87 % -> 91.13 %
    tonic = r.device_summary("tonic")
    assert tonic["battery_pct"] == pytest.approx(100 - 12.65625e-3 * 8760 / 1250 * 100, rel=1e-6)
    assert tonic["projection"]["longevity_from_full_days"] / 365 == pytest.approx(11.05, abs=0.01)
    # burst 9.269 uA (see test_profiles): 81.2 mAh of 840 mAh = 9.67 % -> 90.33 %
    burst = r.device_summary("burst")
    assert burst["battery_pct"] == pytest.approx(100 - 9.269231e-3 * 8760 / 840 * 100, rel=1e-5)
    # 10 kHz 2.5 mA 30 us active: V = 2.625 + 1 = 3.625 V; 2 x 1e4 x 2.5e-3 x 3.625 x 30e-6 / 0.8 = 6.797 mW
    # / 3.7 V = 1.837 mA + 0.01 = 1.847 mA; 100 -> 5 % of 150 mAh = 142.5 mAh / 1.847 mA = 77.15 h = 3.21 d
    drain = 2 * 1e4 * 2.5e-3 * 3.625 * 30e-6 / 0.8 / 3.7 * 1e3 + 0.01
    off = ev(r, "hf10", "battery.stimulation_off")[0]
    assert off.t_s / 86400 == pytest.approx(142.5 / drain / 24, rel=1e-9)
    hf = r.device_summary("hf10")
    assert hf["time_stimulating_s"] == pytest.approx(off.t_s)
    assert hf["battery_pct"] == 0.0  # quiescent drain empties the rest within the year
    # the 10 kHz program delivers 10000 x 2.5 mA x 30 us = 750 uC/s while on
    assert hf["charge_delivered_uc"] == pytest.approx(750.0 * off.t_s)
    assert not ev(r, "tonic", "battery.low") and not ev(r, "burst", "battery.eri")
    # the same 10 kHz IPG recharged to full every day at 20:00 (365 sessions: hours 20, 44, ..., 8756)
    ch = r.device_summary("hf10_charged")
    assert ch["recharges"]["count"] == 365
    first = ch["recharges"]["sessions"][0]
    # 20 h at 1.847 mA = 36.94 mAh (100 -> 75.37 %), refilled at 40 - 1.847 = 38.153 mA net: 0.968 h
    assert first["from_pct"] == pytest.approx(100 - drain * 20 / 150 * 100, rel=1e-9)
    assert first["hours"] == pytest.approx(drain * 20 / (40 - drain), rel=1e-9)
    # steady state: a day's drop d = drain x (24 - d / (40 - drain)) -> d = 24 drain / (1 + drain / (40 - drain)) = 42.28 mAh
    steady = 24 * drain / (1 + drain / (40 - drain))
    assert ch["recharges"]["sessions"][-1]["from_pct"] == pytest.approx(100 - steady / 150 * 100, rel=1e-6)
    t, v = r.series_arrays("hf10_charged", "battery_pct")
    # lowest: before the second session, after 24 h - 0.968 h of drain = 42.54 mAh -> 71.64 % (later days converge to 71.81 %)
    second = drain * (24 - drain * 20 / (40 - drain))
    assert v.min() == pytest.approx(100 - second / 150 * 100, rel=1e-9)
    assert not ev(r, "hf10_charged", "battery.low") and not ev(r, "hf10_charged", "battery.stimulation_off")
    assert ch["time_stimulating_s"] == pytest.approx(365 * 86400)
    assert ch["charge_delivered_uc"] == pytest.approx(750.0 * 365 * 86400)
    last = ch["recharges"]["sessions"][-1]
    assert ch["battery_pct"] == pytest.approx(100 - drain * (365 * 86400 - last["end_t_s"]) / 3600 / 150 * 100, rel=1e-9)
    # a day's recharge is ~1.1 h: daily charging, as the 10 kHz archetype needs (scs.md)
    assert ch["recharges"]["hours"] / 365 == pytest.approx(steady / (40 - drain), rel=1e-3)


def test_impedance_fault_found_and_worked_around():
    r = run("scs_impedance_fault.yaml")
    comp = ev(r, "ipg", "compliance.out_of_range")
    assert len(comp) == 1 and comp[0].t_s == 10 * 86400
    check = ev(r, "ipg", "impedance.check")[0]
    assert check.payload["faults"] == {"E2": "open"}
    tx = ev(r, "ipg", "program.transmitted")[0]
    assert tx.payload["amplitude_reset"] is True and tx.payload["amplitude_ma"] == 0.0
    cleared = [e for e in ev(r, "ipg", "alarm.cleared") if e.payload["alarm"] == "out_of_compliance"]
    assert cleared and cleared[0].t_s == 12 * 86400
    t, v = r.series_arrays("ipg", "amplitude_ma.back")
    assert v[-1] == 5.0
    # charge: 75 uC/s for 10 days, then 0.682 mA delivered (14 V / 20525 ohm) for 2 days, then 75 uC/s for 8 days
    delivered = 14.0 / 20525 * 1e3
    expected = 75.0 * 18 * 86400 + 50 * delivered * 0.3 * 2 * 86400
    assert r.device_summary("ipg")["charge_delivered_uc"] == pytest.approx(expected, rel=1e-9)
    assert r.device_summary("ipg")["impedance_faults"] == {"E2": "open"}


def test_rechargeable_60_days_with_recharges():
    r = run("scs_rechargeable_60d.yaml")
    s = r.device_summary("ipg")
    drain = 1.171875e-3 / 3.7 * 1e3 + 0.010  # 0.326723 mA (see test_device)
    assert s["recharges"]["count"] == 8
    # each weekly session refills 7 days of drain: 0.326723 x 168 = 54.89 mAh at 30 - 0.3267 mA net = 1.850 h
    first = s["recharges"]["sessions"][0]
    assert first["hours"] == pytest.approx(drain * 168 / (30 - drain), rel=1e-9)
    assert first["from_pct"] == pytest.approx(100 - drain * 168 / 120 * 100)
    assert not ev(r, "ipg", "battery.low")
    # after the last recharge ends (day 56 + its hours, full) the remaining time drains linearly
    last = s["recharges"]["sessions"][-1]
    assert last["to_pct"] == pytest.approx(100.0)
    end_level = 100 - drain * (60 * 86400 - last["end_t_s"]) / 3600 / 120 * 100
    assert s["battery_pct"] == pytest.approx(end_level, rel=1e-6)
    assert s["time_stimulating_s"] == pytest.approx(60 * 86400)
    t, v = r.series_arrays("ipg", "battery_pct")
    assert v.min() >= 100 - drain * 168 / 120 * 100 - 1e-9


def test_closed_loop_vs_open_loop_postures():
    r = run("scs_closed_loop_postures.yaml")
    s = r.device_summary("ipg")
    win = s["time_in_window"]
    spec = load_scenario(SCENARIOS / "scs_closed_loop_postures.yaml")  # noqa: F841 (loaded for clarity)
    from simulator.profiles.registry import default_registry

    cl = default_registry().get("scs/closed-loop-ecap").closed_loop
    tau = cl.controller_tau_s

    def amp(f):
        return amplitude_for_ecap_ma(cl, 30.0, f)

    def t_cross(i0, i_inf, level):
        return -tau * math.log((level - i_inf) / (i0 - i_inf))

    # open loop (4 mA): out of the 15-50 uV window while supine (2 h; 20 x (4 - 1.406) = 51.9 uV) and
    # during the 2 s cough (sitting x 0.7: threshold 1.106 mA -> 57.9 uV)
    assert win["open_loop_pct"] == pytest.approx(100 * (86400 - 7200 - 2) / 86400)
    # closed loop: out only while the controller settles
    sit, cough, sup = 0.95, 0.95 * 0.7, 0.75
    hi = lambda f: amplitude_for_ecap_ma(cl, 50.0, f)  # noqa: E731
    lo = lambda f: amplitude_for_ecap_ma(cl, 15.0, f)  # noqa: E731
    out = t_cross(amp(sit), amp(cough), hi(cough))  # cough starts: too strong until I falls
    i_end = amp(cough) + (amp(sit) - amp(cough)) * math.exp(-2.0 / tau)
    out += t_cross(i_end, amp(sit), lo(sit))  # cough ends: too weak until I rises
    out += t_cross(4.0, amp(sup), hi(sup))  # lying down: too strong until I falls
    assert win["closed_loop_pct"] == pytest.approx(100 * (86400 - out) / 86400, rel=1e-9)
    assert win["closed_loop_pct"] > 99.99 > 91.7 > win["open_loop_pct"]
    t, v = r.series_arrays("ipg", "amplitude_ma.ecap")
    assert v[-1] == pytest.approx(amp(sup))


def test_closed_loop_ecap_series_settles_to_target():
    """The recorded closed-loop ECAP follows the controller: at t0 + 10 tau after a change it is the target."""
    r = run("scs_closed_loop_postures.yaml")
    from simulator.profiles.registry import default_registry

    cl = default_registry().get("scs/closed-loop-ecap").closed_loop
    tau = cl.controller_tau_s
    t, v = r.series_arrays("ipg", "ecap_uv")
    for t0 in (8 * 3600.0, 10 * 3600.0, 10 * 3600.0 + 2.0, 12 * 3600.0, 22 * 3600.0):
        i = np.searchsorted(t, t0 + 10 * tau, "right") - 1  # step series: the value in force then
        assert v[i] == pytest.approx(30.0, rel=0.01), t0
    # just after lying down the closed loop still has the open-loop 4 mA: 20 x (4 - 2.5 x 0.75^2) = 51.875 uV
    i = np.searchsorted(t, 22 * 3600.0, "right") - 1
    assert v[i] == pytest.approx(51.875)
    # a handful of breakpoints per change, never one per control step (50 measurements/s)
    assert len(t) < 40
    # the closed-loop amplitude tells the same story: supine settled 2.5 x 0.75^2 + 30/20 = 2.90625 mA
    ta, va = r.series_arrays("ipg", "amplitude_ma.ecap")
    i = np.searchsorted(ta, 22 * 3600.0 + 10 * tau, "right") - 1
    assert va[i] == pytest.approx(2.90625, rel=0.01)
    # the open loop keeps its step series: 51.875 uV from 22:00 to the end
    to, vo = r.series_arrays("ipg", "ecap_open_loop_uv")
    assert vo[np.searchsorted(to, 23 * 3600.0, "right") - 1] == pytest.approx(51.875)
