"""Energy and battery of the stimulator (component `power` of StimulatorDevice).

`PowerSupply` keeps, in closed form between state changes:
- the rates in force (charge to tissue uC/s, power to tissue and from the cell W, cell current mA,
  net current into the cell mA, stimulating 0/1), set by `compute_rates` after every change;
- what they accumulated since t = 0 (charge uC, battery energy J, tissue energy J, time
  stimulating s), brought to now by `advance`; soft-stop ramps are integrated exactly;
- the cell (`BatteryState`: mAh, linear between events), its thresholds (low battery, ERI,
  stimulation off or end of service, empty), whether the battery suspended output, recharge
  sessions (start, planned end, %), and the rechargeable ERI (programs that need charging more
  often than the profile's interval).
It wakes the device at the next threshold crossing and at the end of a recharge.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from simulator.alarms import CRITICAL, NON_CRITICAL
from simulator.device import Wakeup
from simulator.event_kinds import K
from simulator.scs.battery import SECONDS_PER_HOUR, BatteryState
from simulator.scs.energy import battery_current_ma

if TYPE_CHECKING:
    from simulator.scs.device import StimulatorDevice
    from simulator.scs.output_now import OutputNow


class PowerSupply:
    """Rates and accumulators (uC, J, s), the cell (mAh, %), thresholds, recharges, ERI."""

    def __init__(self, dev: StimulatorDevice, battery_pct: float) -> None:
        self.dev = dev
        b = dev.profile.battery
        self.battery = BatteryState(b.capacity_mah, b.capacity_mah * battery_pct / 100.0, 0.0, 0.0)
        #: thresholds already crossed ('low', 'eri', 'eos', 'stim_off', 'empty')
        self.flags: set[str] = set()
        #: 'battery' or 'eos' while the battery keeps output off, else None
        self.suspended: str | None = None
        #: the recharge in progress {start_t_s, start_pct, planned_end_t_s} (None: not charging)
        self.recharging: dict[str, Any] | None = None
        #: finished recharges {start_t_s, end_t_s, hours, from_pct, to_pct}
        self.recharges: list[dict[str, Any]] = []
        self.charge_uc = 0.0  # charge delivered to tissue since t = 0, uC
        self.energy_j = 0.0  # energy drawn from the cell since t = 0, J
        self.tissue_energy_j = 0.0  # energy delivered to tissue since t = 0, J
        self.stim_s = 0.0  # time stimulating since t = 0, s
        self.t_acc = 0.0  # time the accumulators were last brought to, s
        #: rates since t_acc: charge_uc_per_s, tissue_w, battery_w, drain_ma, net_ma, stimulating (0/1)
        self.rate: dict[str, float] = {}
        self.threshold_wake: Wakeup | None = None
        self.recharge_wake: Wakeup | None = None
        self._thresholds: list[tuple[float, str]] | None = None
        #: the run's end, s: a threshold reached after it is never due (`Simulation.run` stops there),
        #: so no wake-up is scheduled for it (as `drift.next_compliance_change_s` gives inf after it)
        self.end_s = float(dev.sim.duration_s)

    # ----- closed-form accounting -----
    def compute_rates(self, out: OutputNow | None = None) -> None:
        """Average rates from now until the next change (cycling folded in); the cell's slope
        (`out`: the output stage now, when the caller has it)."""
        dev = self.dev
        if out is None:
            out = dev.output_now()
        now = out.t_s
        prof = dev.profile
        stim = out.stimulating
        charge = tissue = supply = 0.0
        if stim:
            rates = out.rates
            for n in dev.programs.active:
                r = rates[n]  # energy.Rates: (charge uC/s, tissue W, battery W, tissue share)
                charge += r[0]
                tissue += r[1]
                supply += r[2]
        drain_ma = battery_current_ma(supply, prof, stim)
        # soft-stop ramps: charge and energy are integrated exactly (SoftStops.integral); the battery is drawn
        # at each ramp's mean drain until its end, where the device wakes (exact there)
        ramp_ma = dev.soft_stops.mean_battery_w(now) / prof.battery.voltage_v * 1e3 if dev.soft_stops.ramps else 0.0  # (0 / V x 1e3 = 0.0)
        net = -(drain_ma + ramp_ma)
        if self.recharging is not None:
            net += prof.battery.charge_current_ma
        self.rate = {"charge_uc_per_s": charge, "tissue_w": tissue, "battery_w": drain_ma * 1e-3 * prof.battery.voltage_v,
                     "drain_ma": drain_ma + ramp_ma, "net_ma": net, "stimulating": float(stim)}
        self.battery.rebase(now, net)

    def advance(self, now_s: float) -> None:
        """Bring the accumulators and the cell to `now_s` at the rates in force since the last change."""
        dt = now_s - self.t_acc
        if dt > 0 and self.rate:
            self.charge_uc += self.rate["charge_uc_per_s"] * dt
            self.energy_j += self.rate["battery_w"] * dt
            self.tissue_energy_j += self.rate["tissue_w"] * dt
            self.stim_s += dt * self.rate["stimulating"]
        ramps = self.dev.soft_stops
        if dt > 0 and ramps.ramps:
            q, tissue, battery = ramps.integral(self.t_acc, now_s)
            self.charge_uc += q
            self.energy_j += battery
            self.tissue_energy_j += tissue
        self.t_acc = now_s
        cell = self.battery  # battery.rebase(now_s), inlined (hot: every action and wake-up)
        cell.level_mah = min(cell.capacity_mah, max(0.0, cell.level_mah + cell.net_ma * (now_s - cell.t0_s) / SECONDS_PER_HOUR))
        cell.t0_s = now_s

    def was_stimulating(self) -> bool | None:
        """Whether the rates in force say 'stimulating' (None before the first rates)."""
        return bool(self.rate.get("stimulating", 0.0)) if self.rate else None

    def accumulated(self, t_s: float) -> tuple[float, float, float]:
        """(charge uC, battery energy J, time stimulating s) from t = 0 to `t_s` (no change)."""
        dt = max(0.0, t_s - self.t_acc)
        ramps = self.dev.soft_stops
        q, _, battery = ramps.integral(self.t_acc, t_s) if ramps.ramps else (0.0, 0.0, 0.0)
        return (self.charge_uc + self.rate.get("charge_uc_per_s", 0.0) * dt + q,
                self.energy_j + self.rate.get("battery_w", 0.0) * dt + battery,
                self.stim_s + self.rate.get("stimulating", 0.0) * dt)

    def tissue_energy_at(self, t_s: float) -> float:
        """Energy delivered to tissue from t = 0 to `t_s`, J (no change)."""
        dt = max(0.0, t_s - self.t_acc)
        return self.tissue_energy_j + self.rate.get("tissue_w", 0.0) * dt + self.dev.soft_stops.integral(self.t_acc, t_s)[1]

    def pct(self) -> float:
        """Battery level now, %."""
        return self.battery.pct_at(self.dev.now)

    # ----- thresholds -----
    def thresholds(self) -> list[tuple[float, str]]:
        """(level %, name) of the cell's thresholds, highest first (made once: the profile's; do not change it)."""
        if self._thresholds is not None:
            return self._thresholds
        b = self.dev.profile.battery
        out = [(b.low_battery_pct, "low")]
        if b.chemistry == "primary":
            if b.eri_pct is not None:
                out.append((b.eri_pct, "eri"))
            out.append((b.stimulation_off_pct, "eos"))
        else:
            out.append((b.stimulation_off_pct, "stim_off"))
        out.append((0.0, "empty"))
        self._thresholds = out  # the profile's: fixed for the device's life
        return out

    def plan_threshold(self, on_cross: Callable[[], None], now_s: float | None = None) -> None:
        """Wake (and run `on_cross`) when the draining cell reaches its next threshold (`now_s`: the
        time now when the caller has it, s)."""
        wake = self.threshold_wake
        if wake is not None:
            wake.cancel()
            self.threshold_wake = None
        battery = self.battery
        best = math.inf
        if battery.net_ma < 0:  # (the level now matters only while draining)
            pct = battery.pct_at(self.dev.now if now_s is None else now_s)
            flags = self.flags
            for level, name in (self._thresholds if self._thresholds is not None else self.thresholds()):
                if name in flags or level >= pct - 1e-12:
                    continue
                t = battery.time_to_pct(level)
                if t < best:  # best = min(best, t)
                    best = t
                if best < math.inf:
                    break  # draining, a lower level is reached no sooner (time_to_pct is monotone): best is the min
        if best <= self.end_s:  # (inf or a time after the run's end: nothing to wake for)
            self.threshold_wake = self.dev.wake_at(best, lambda: self._crossed(on_cross))

    def _crossed(self, on_cross: Callable[[], None]) -> None:
        self.threshold_wake = None
        on_cross()

    def cross_thresholds(self, pct: float, initial: bool = False) -> None:
        """Events and alarms of every threshold at or above `pct` not crossed yet; the battery
        suspends output at stimulation off / end of service (soft stops cut)."""
        dev = self.dev
        b = dev.profile.battery
        for level, name in self.thresholds():
            if name in self.flags or pct > level + 1e-9:
                continue
            self.flags.add(name)
            pl: dict[str, Any] = {"battery_pct": round(pct, 4), "threshold_pct": level}
            if name == "low":
                dev.emit(K.BATTERY_LOW, **pl)
                msg = "battery low: recharge soon" if b.chemistry == "rechargeable" else "battery low"
                dev.alarms.raise_("battery_low", NON_CRITICAL, msg, **pl)
            elif name == "eri":
                dev.emit(K.BATTERY_ERI, **pl)
                dev.alarms.raise_("eri", NON_CRITICAL, "elective replacement indicator: schedule a replacement", **pl)
            elif name in ("stim_off", "eos"):
                was = dev.stimulating()
                self.suspended = "battery" if name == "stim_off" else "eos"
                dev.soft_stops.cut()  # the battery cuts output at once
                kind = K.BATTERY_EOS if name == "eos" else K.BATTERY_STIMULATION_OFF
                dev.emit(kind, **pl)
                if was or initial:
                    dev.emit(K.STIMULATION_OFF, reason=self.suspended, **pl)
                msg = ("battery too low: stimulation stopped; recharge within about 3 days" if name == "stim_off"
                       else "end of service: stimulation stopped; replace the generator")
                dev.alarms.raise_("stimulation_off_battery" if name == "stim_off" else "eos", CRITICAL, msg, **pl)
            elif name == "empty":
                dev.emit(K.BATTERY_DEPLETED, **pl)
                dev.alarms.raise_("battery_depleted", CRITICAL, "battery empty", **pl)

    # ----- recharge -----
    def start_recharge(self, duration_s: float | None, to_full: bool, on_end: Callable[[], None]) -> tuple[float, float]:
        """Start charging now (for `duration_s`, or until full); returns (level now %, planned end s)."""
        dev = self.dev
        now = dev.now
        if self.recharge_wake is not None:
            self.recharge_wake.cancel()
        start_pct = self.battery.pct_at(now)
        self.recharging = {"start_t_s": now, "start_pct": start_pct}
        self.compute_rates()
        t_full = self.battery.time_to_pct(100.0)
        end = t_full if (duration_s is None or to_full) else min(now + duration_s, t_full)
        self.recharging["planned_end_t_s"] = end
        dev.emit(K.RECHARGE_START, battery_pct=round(start_pct, 4), planned_end_t_s=end)
        if math.isfinite(end):
            self.recharge_wake = dev.wake_at(end, lambda: self._recharge_ended(on_end))
        return start_pct, end

    def _recharge_ended(self, on_end: Callable[[], None]) -> None:
        self.recharge_wake = None
        on_end()

    def finish_recharge(self) -> None:
        """The recharge in progress ends now (accumulators already brought to now): its record and
        event, thresholds above the new level re-armed, alarms cleared, output back on if the
        battery had suspended it."""
        dev = self.dev
        now = dev.now
        rec = self.recharging or {}
        self.recharging = None
        pct = self.battery.pct_at(now)
        entry = {"start_t_s": rec.get("start_t_s"), "end_t_s": now, "hours": (now - rec.get("start_t_s", now)) / 3600.0,
                 "from_pct": rec.get("start_pct"), "to_pct": pct}
        self.recharges.append(entry)
        dev.emit(K.RECHARGE_END, **entry)
        b = dev.profile.battery
        for level, name in self.thresholds():
            if name in self.flags and pct > level + 1e-9:
                self.flags.discard(name)
        if pct > b.low_battery_pct and dev.alarms.is_active("battery_low"):
            dev.alarms.clear("battery_low", reason="recharged")
        if self.suspended == "battery" and pct > b.stimulation_off_pct:
            self.suspended = None
            dev.alarms.clear("stimulation_off_battery", reason="recharged")
            dev.programs.restart_all(now)
            if dev.stimulating():
                dev.emit(K.STIMULATION_ON, programs=list(dev.programs.active), reason="recharged")

    def check_recharge_eri(self) -> None:
        """Rechargeable ERI (Eterna-like): raised while the present programs would need charging more
        often than the profile's interval (full to low battery), cleared when they no longer do."""
        dev = self.dev
        b = dev.profile.battery
        if b.chemistry != "rechargeable" or b.eri_recharge_interval_days is None:
            return
        active = dev.programs.active
        days = dev.projection()["days_between_recharges"] if active else float("inf")
        if days < b.eri_recharge_interval_days:
            if not dev.alarms.is_active("eri"):
                pl: dict[str, Any] = {"days_between_recharges": round(days, 4), "limit_days": b.eri_recharge_interval_days, "programs": list(active)}
                dev.emit(K.BATTERY_ERI, reason="program needs charging more than once a day", **pl)
                dev.alarms.raise_("eri", NON_CRITICAL, f"elective replacement indicator: the programs need charging every {days * 24:.1f} h "
                                  f"(more often than every {b.eri_recharge_interval_days:g} d)", **pl)
        elif dev.alarms.is_active("eri"):
            dev.alarms.clear("eri", reason=f"programs need charging every {days:.2f} d")
