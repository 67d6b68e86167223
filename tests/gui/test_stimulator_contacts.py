"""The stimulator programmer's contact table (shares, height) and the scope during a soft stop."""
from __future__ import annotations

import numpy as np
import pytest

from gui.scenario_io import default_scenario_path, open_scenario
from gui.stimulator_programmer import CONTACT_ROWS_SHOWN
from simulator.engine import Simulation
from tests.scs.helpers import sim_of


def _programmer(make_window, sim):
    window = make_window(sim)
    views = window.device_views["ipg"]
    window.tabs.setCurrentWidget(views.tab)
    return window, views, views.extra["programmer"]


def _shares(prog) -> dict[str, str]:
    t = prog.contact_table
    return {t.item(r, 0).text(): t.item(r, 2).text() for r in range(t.rowCount())}


def test_micc_shows_each_share_and_all_contacts(qtbot, make_window, no_dialogs):
    window, _views, prog = _programmer(make_window, Simulation(open_scenario(default_scenario_path())))
    assert prog.independent
    assert _shares(prog) == {"E2": "100", "E3": "100"}  # the default: one cathode, one anode, whole current each
    prog.cycle_contact("E4")  # off -> cathode
    prog.cycle_contact("E6")
    prog.cycle_contact("E6")  # off -> cathode -> anode
    assert _shares(prog) == {"E2": "50", "E3": "50", "E4": "50", "E6": "50"}  # even split, as the model does
    # typing a cathode share: the other cathode takes the rest
    t = prog.contact_table
    row = [t.item(r, 0).text() for r in range(t.rowCount())].index("E2")
    t.item(row, 2).setText("70")
    assert prog.contacts["E2"] == ("-", 70.0) and prog.contacts["E4"] == ("-", None)
    assert _shares(prog) == {"E2": "70", "E3": "50", "E4": "30", "E6": "50"}
    program = prog.pending_program()
    assert program.cathodes() == pytest.approx({"E2": 0.7, "E4": 0.3}) and program.anodes() == pytest.approx({"E3": 0.5, "E6": 0.5})
    # all four rows in view, no scroll bar
    qtbot.waitExposed(window)
    assert t.rowCount() == CONTACT_ROWS_SHOWN
    last = t.rowCount() - 1
    assert t.rowViewportPosition(last) + t.rowHeight(last) <= t.viewport().height()
    assert not t.verticalScrollBar().isVisible()


def test_single_source_shows_a_dash_with_a_tooltip(qtbot, make_window, no_dialogs):
    _window, _views, prog = _programmer(make_window, sim_of(profile="scs/recharge-free-tonic", duration="30d"))
    assert not prog.independent
    t = prog.contact_table
    assert t.rowCount() >= 2 and set(_shares(prog).values()) == {"-"}
    for r in range(t.rowCount()):
        assert "one current source" in t.item(r, 2).toolTip()
        assert not (t.item(r, 2).flags() & t.item(r, 2).flags().ItemIsEditable)


def test_scope_shows_the_soft_stop_ramp(qtbot, make_window, no_dialogs):
    window, views, prog = _programmer(make_window, Simulation(open_scenario(default_scenario_path())))
    prog.editor.soft_stop.setValue(2.0)
    assert prog.transmit_pending()
    window.runner.step(10.0)
    scope = views.extra["tab_scope"]
    assert prog.toggle_stimulation() and not prog.device.stimulating()
    window.runner.step(0.5)  # a quarter into the 2 s ramp from 5 mA
    peak = max(float(np.max(np.abs(v))) for v in scope.last_traces.values())
    assert 3.0 < peak < 4.5
    window.runner.step(2.0)  # ramp over
    assert max(float(np.max(np.abs(v))) for v in scope.last_traces.values()) == 0.0
