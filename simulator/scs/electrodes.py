"""Leads, contacts and their impedances (component `electrodes` of StimulatorDevice).

`Electrodes` knows where every contact sits (lead, level, area in cm2), the impedance model of
the contacts (drift, injected faults; ohm) and the table of the last impedance check. Impedances
and tissue fractions are memoised for the instant: while the time and the faults are unchanged
the same dict is returned (and the last instant's impedance dict when its values are the same
floats: without drift), so the contact shares and compliance derived from it are computed
once per instant (`safety.contact_shares` memoises on the dict's identity). Callers must not
change a returned dict.

Without drift (every growth rate 0.0, `ImpedanceModel.is_static`) Z_i(t) = Z0_i x exp(0) = Z0_i
for every t, faults included, so a memo made while the model was static holds across instants
while it stays static: it is renewed when the time changes and the model drifts now or drifted
when the memo was made, when the faults change, or for another model (checked at every call).
Growth rates are the model's settings: like the memo of one instant, this assumes they do not
change within an instant (tests that change them do so between instants).
"""
from __future__ import annotations

from typing import Any

from simulator.scs.impedance import ImpedanceModel
from simulator.scs.leads import LeadProfile

#: (time s, model, faults, value, the model was static then) of a per-instant memo
_Memo = tuple[float, ImpedanceModel, tuple[tuple[str, str], ...], dict[str, float], bool]


def _same_floats(a: dict[str, float], b: dict[str, float]) -> bool:
    """True when `a` and `b` hold the same keys in the same order with the same float bits (equal
    and non-zero: only 0.0 and -0.0 are equal with other bits; NaN is never equal)."""
    return list(a) == list(b) and all(x == y and x != 0.0 for x, y in zip(a.values(), b.values()))


class Electrodes:
    """The implanted leads: contact map (areas cm2, levels), impedance model (ohm), last check."""

    def __init__(self, leads: list[LeadProfile], contacts: dict[str, dict[str, Any]], impedance: ImpedanceModel) -> None:
        self.leads = leads
        #: contact label ('E1'..) -> {lead_index, lead, index_on_lead, area_cm2, level, side, x_mm, y_mm}
        self.contacts = contacts
        #: contact label -> area, cm2
        self.areas: dict[str, float] = {k: v["area_cm2"] for k, v in contacts.items()}
        self.impedance = impedance
        #: rows of the last impedance check (None: none yet) and its time, s
        self.last_check: list[dict[str, Any]] | None = None
        self.last_check_t_s: float | None = None
        self._ohm_memo: _Memo | None = None
        self._fractions_memo: _Memo | None = None

    def ohm(self, t_s: float) -> dict[str, float]:
        """Contact -> impedance (ohm) at `t_s`, the case included (memoised for the instant)."""
        memo = self._ohm_memo
        model = self.impedance
        faults = model.faults
        key = tuple(faults.items()) if faults else ()
        if memo is not None and memo[1] is model and memo[2] == key and (memo[0] == t_s or (memo[4] and not any(model.growth_per_year.values()))):
            return memo[3]  # the same instant, or static then and now (model.is_static, inlined: hot)
        static = model.is_static()
        value = model.ohm_at(t_s)
        if memo is not None and _same_floats(memo[3], value):
            value = memo[3]  # unchanged (no drift): the same dict, so the memos keyed on it still hold
        self._ohm_memo = (t_s, model, key, value, static)
        return value

    def fractions(self, t_s: float) -> dict[str, float]:
        """Shorted contact -> fraction of its current reaching tissue at `t_s` (memoised like `ohm`)."""
        memo = self._fractions_memo
        model = self.impedance
        faults = model.faults
        key = tuple(faults.items()) if faults else ()
        if memo is not None and memo[1] is model and memo[2] == key and (memo[0] == t_s or (memo[4] and not any(model.growth_per_year.values()))):
            return memo[3]  # as in `ohm`
        static = model.is_static()
        value = model.tissue_fractions(t_s)
        self._fractions_memo = (t_s, model, key, value, static)
        return value

    def table(self, t_s: float) -> list[dict[str, Any]]:
        """Rows {contact, ohm, flag, ok, level} of every lead contact at `t_s`."""
        rows = self.impedance.table(t_s)
        for r in rows:
            r["level"] = self.contacts[r["contact"]]["level"]
        return rows

    def faulty(self, t_s: float) -> dict[str, str]:
        """Contact -> 'open' or 'short' at `t_s` (contacts within range are not listed)."""
        return self.impedance.faulty(t_s)

    def note_check(self, table: list[dict[str, Any]], t_s: float) -> None:
        """Keep the table of an impedance check made at `t_s`."""
        self.last_check, self.last_check_t_s = table, t_s

    def inject(self, contact: str, fault: str) -> None:
        """Inject a fault ('open', 'short') on a contact, or remove it ('none')."""
        self.impedance.inject(contact, fault)
