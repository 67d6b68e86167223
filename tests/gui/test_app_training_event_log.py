"""The event log reads as sentences with units, with filter and search; no raw JSON."""
from __future__ import annotations

import re

from simulator.bundled import bundled_dir
from simulator.engine import Simulation


def test_event_log_sentences_filter_and_search(qtbot, make_window, no_dialogs):
    from gui.scenario_io import open_scenario

    sim = Simulation(open_scenario(bundled_dir("scenarios") / "pump_concentration_change.yaml"))
    window = make_window(sim)
    window.runner.jump_to(sim.scenario.duration, blocking=True)
    log = window.event_log
    sentences = log.visible_sentences()
    assert sentences and all("{" not in s and not re.search(r"\d[eE][-+]?\d", s) for s in sentences)
    refill = [s for s in sentences if s.startswith("Refill: ")]
    assert refill and "18.0 mL of morphine 20 mg/mL" in refill[0]
    # search narrows to the rows whose sentence mentions it (case ignored)
    log.set_filter(search="CATHETER TIP")
    shown = log.visible_sentences()
    assert shown and all(s.startswith("New drug reaches the catheter tip: morphine 20 mg/mL") for s in shown)
    assert len(shown) < len(sentences)
    assert "of" in log.count_label.text()
    # search combines with the kind filter
    log.set_filter(kind="bolus.start", search="bridge")
    assert [s.split(":")[0] for s in log.visible_sentences()] == ["Bridge bolus started"]
    log.set_filter(search="")
    # the tooltip is the sentence and the payload in words, never JSON
    from PySide6.QtCore import Qt

    tip = log.proxy.index(0, 4).data(Qt.ItemDataRole.ToolTipRole)
    assert tip and "{" not in tip and '"' not in tip
