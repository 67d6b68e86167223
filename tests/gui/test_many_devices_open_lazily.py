"""A scenario of 64 devices (the most a scenario may have) opens with only the views on screen
built: the overview shows 4 devices a page, and a device's programmer tab is built when first
shown. Counted in widgets, never timed."""
from __future__ import annotations

import yaml
from PySide6.QtWidgets import QWidget

from gui.main_window import OVERVIEW_PAGE_SIZE
from gui.scenario_io import default_scenario_path
from simulator.engine import Simulation
from simulator.scenario import scenario_from_dict


def _scenario(n_pairs: int):
    """n_pairs stimulators and n_pairs pumps with the default scenario's settings."""
    with open(default_scenario_path()) as f:
        default = yaml.safe_load(f)
    ipg, pump = default["devices"]
    devices = []
    for i in range(n_pairs):
        devices += [{**ipg, "id": f"ipg{i}"}, {**pump, "id": f"pump{i}"}]
    return scenario_from_dict({"name": f"{2 * n_pairs} devices", "duration": "30d", "devices": devices})


def _widgets(window) -> int:
    return len(window.findChildren(QWidget))


def test_many_devices_open_lazily(qtbot, make_window):
    small = make_window(Simulation(_scenario(2)))  # 4 devices: one overview page, all built
    assert [v.built is not None for v in small.device_views.values()] == [True] * 4
    window = make_window(Simulation(_scenario(32)))
    assert len(window.device_views) == 64
    built = [d for d, v in window.device_views.items() if v.built is not None]
    # only the first overview page is on screen: its 4 devices' views are built, none other
    assert built == window.overview_devices() == ["ipg0", "pump0", "ipg1", "pump1"]
    assert OVERVIEW_PAGE_SIZE == 4 and window.overview_page_bar.isVisible()
    # the 60 other devices cost their two empty slots each (tab and overview panel), and the
    # visible page bar: nothing else
    assert _widgets(window) - _widgets(small) <= 2 * 60 + 5
    # 64 device tabs, the overview, the event log and the session
    assert window.tabs.count() == 67  # and the programming session tab
    # a device's tab is built when shown, and only that device's
    window.show_view("pump20")
    assert [d for d, v in window.device_views.items() if v.built is not None] == built + ["pump20"]
    assert window.device_views["pump20"].extra["programmer"].isVisible()
    # another overview page builds its devices when shown
    window.show_view("overview")
    window.overview_pages.setCurrentIndex(10)  # devices 41-44: ipg20, pump20, ipg21, pump21
    assert window.overview_devices() == ["ipg20", "pump20", "ipg21", "pump21"]
    now_built = {d for d, v in window.device_views.items() if v.built is not None}
    assert now_built == set(built) | {"ipg20", "pump20", "ipg21", "pump21"}
    assert all(window.device_views[d].overview.isVisible() for d in window.overview_devices())
    assert not window.device_views["ipg0"].overview.isVisible()
    # the run goes on with every device, built or not
    window.runner.step(3600.0)
    assert window.runner.sim.now == 3600.0
