"""Issue item 17: the app's title names a profile file that overrides a bundled profile."""
from __future__ import annotations

from simulator.engine import Simulation
from simulator.profiles.registry import ProfileRegistry
from simulator.scenario import scenario_from_dict

SCENARIO = {
    "name": "override",
    "duration": "1d",
    "devices": [{"id": "pump", "profile": "pump/peristaltic-20ml",
                 "settings": {"drug": "drug/morphine", "concentration_mg_per_ml": 10, "reservoir_ml": 20,
                              "mode": {"type": "continuous", "dose_mg_per_day": 2}}}],
}


def test_item17_app_title_names_the_overriding_profile_file(tmp_path, make_window):
    bundled = ProfileRegistry(include_env=False)
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "pump.yaml").write_text(bundled.path_of("pump/peristaltic-20ml").read_text())
    registry = ProfileRegistry([folder], include_env=False)
    sim = Simulation(scenario_from_dict(SCENARIO, registry), registry=registry)
    window = make_window(sim, registry=registry)
    assert window.windowTitle() == f"neuromod-sim: override  [overridden profile: pump/peristaltic-20ml from {(folder / 'pump.yaml').resolve()}]"
    plain = make_window(Simulation(scenario_from_dict(SCENARIO, bundled), registry=bundled), registry=bundled)
    assert plain.windowTitle() == "neuromod-sim: override"
