"""Sweep variants (labelled alternatives crossed with the grid), zipped parameters, on_invalid."""
from __future__ import annotations

import json

import pytest

from simulator.errors import InputError
from simulator.sweep.expand import count_tasks, expand, point_scenario
from simulator.sweep.runner import SweepStopped, plan_sweep, run_sweep
from simulator.sweep.spec import sweep_spec_from_dict

from .conftest import DATA

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")


def spec_dict(**extra):
    """The toy tank (10 mL, 2 mL/day; +4 mL at day 3; 1 mL/day from day 6; 10 days)."""
    data = {
        "name": "variants",
        "base": str(DATA / "toy_tank.yaml"),
        "profiles": [str(DATA.parent.parent / "data" / "toy_profiles")],
        "plugins": ["tests.toy_device:install_toy"],
        "chunk_size": 2,
        "variants": [
            {"label": "slow", "set": {"devices[tank].settings.rate_ml_per_day": 1}},
            {"label": "fast", "set": {"devices[tank].settings.rate_ml_per_day": 1.5}},
        ],
        "parameters": [
            {"path": "timeline[0].at", "name": "fill_at", "values": ["1d", "2d"], "zip": "fill"},
            {"path": "timeline[0].params.volume_ml", "name": "fill_ml", "values": [4, 6], "zip": "fill"},
        ],
    }
    data.update(extra)
    return data


def test_variants_cross_the_zipped_grid_in_order():
    spec = sweep_spec_from_dict(spec_dict())
    assert count_tasks(spec) == 4  # 2 variants x 2 zipped points (not 2 x 2 x 2)
    _, tasks = expand(spec)
    assert [dict(t.values) for t in tasks] == [
        {"variant": "slow", "fill_at": "1d", "fill_ml": 4},
        {"variant": "slow", "fill_at": "2d", "fill_ml": 6},
        {"variant": "fast", "fill_at": "1d", "fill_ml": 4},
        {"variant": "fast", "fill_at": "2d", "fill_ml": 6},
    ]
    assert [t.point for t in tasks] == [0, 1, 2, 3]
    data = point_scenario(spec, {"devices": [{"id": "tank", "settings": {"volume_ml": 10}}], "timeline": [{"at": 0, "params": {}}]}, tasks[3].values)
    assert data["devices"][0]["settings"] == {"volume_ml": 10, "rate_ml_per_day": 1.5}
    assert data["timeline"][0] == {"at": "2d", "params": {"volume_ml": 6}}


def test_a_variant_sweep_gives_hand_computed_volumes(tmp_path):
    table = run_sweep(spec_dict(), tmp_path / "out", executor="serial", progress=False, allow_plugins=True)
    assert list(table.columns[:7]) == ["task", "point", "replicate", "seed", "variant", "fill_at", "fill_ml"]
    # slow (1 mL/day): fill at 1d: 9 + 4 = 13, 8 at 6d, 4 at 10d | fill at 2d: 8 + 6 = 14, 10, 6
    # fast (1.5 mL/day to day 6): 8.5 + 4 = 12.5, 5 at 6d, 1 at 10d | 7 + 6 = 13, 7, 3
    assert list(table["variant"]) == ["slow", "slow", "fast", "fast"]
    assert table["devices.tank.volume_ml"].tolist() == pytest.approx([4.0, 6.0, 1.0, 3.0], rel=1e-12)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["variants"] == ["slow", "fast"] and manifest["n_tasks"] == 4


def test_a_variant_sweep_resumes_to_the_same_table(tmp_path):
    whole = run_sweep(spec_dict(), tmp_path / "a", executor="serial", progress=False, allow_plugins=True)
    with pytest.raises(SweepStopped):
        run_sweep(spec_dict(), tmp_path / "b", executor="serial", progress=False, allow_plugins=True, stop_after_chunks=1)
    resumed = run_sweep(spec_dict(), tmp_path / "b", executor="serial", progress=False, allow_plugins=True)
    pd.testing.assert_frame_equal(resumed, whole)
    # another variant set is another sweep: the folder is refused rather than mixed
    other = spec_dict()
    other["variants"][1]["set"]["devices[tank].settings.rate_ml_per_day"] = 1.25
    with pytest.raises(InputError, match="spec"):
        run_sweep(other, tmp_path / "b", executor="serial", progress=False, allow_plugins=True)


def test_the_new_fields_at_their_defaults_keep_an_older_spec_s_hash():
    plain = spec_dict(variants=[])
    for p in plain["parameters"]:
        p.pop("zip")
    older = sweep_spec_from_dict(plain).content_hash()
    assert sweep_spec_from_dict({**plain, "on_invalid": "refuse"}).content_hash() == older
    assert sweep_spec_from_dict({**plain, "on_invalid": "skip"}).content_hash() != older
    assert sweep_spec_from_dict(spec_dict()).content_hash() != older


def invalid_spec(on_invalid):
    # a negative rate is refused by the toy's settings (rate_ml_per_day >= 0)
    return spec_dict(
        on_invalid=on_invalid,
        variants=[],
        parameters=[{"path": "devices[tank].settings.rate_ml_per_day", "name": "rate", "values": [1, -1, 2]}],
    )


def test_on_invalid_refuse_stops_the_whole_sweep_before_running():
    with pytest.raises(InputError) as err:
        plan_sweep(sweep_spec_from_dict(invalid_spec("refuse")), allow_plugins=True)
    assert "rate=-1" in err.value.issues[0].path and "greater than or equal to 0" in err.value.issues[0].message


def test_on_invalid_skip_leaves_the_point_out(tmp_path):
    table = run_sweep(invalid_spec("skip"), tmp_path / "out", executor="serial", progress=False, allow_plugins=True)
    assert table["task"].tolist() == [0, 1] and table["rate"].tolist() == [1, 2]
    assert table["point"].tolist() == [0, 2]  # the points keep their place in the grid
    # rate 1: 10 - 3 + 4 = 11 at 3d, 8 at 6d, then 1 mL/day: 4 | rate 2: 4 + 4 = 8, 2 at 6d, 0 from 8d
    assert table["devices.tank.volume_ml"].tolist() == pytest.approx([4.0, 0.0])


def test_on_invalid_record_writes_a_row_with_the_reason(tmp_path):
    table = run_sweep(invalid_spec("record"), tmp_path / "out", executor="serial", progress=False, allow_plugins=True)
    assert table["task"].tolist() == [0, 1, 2] and table["rate"].tolist() == [1, -1, 2]
    reasons = table["invalid_reason"].tolist()
    assert pd.isna(reasons[0]) and pd.isna(reasons[2])  # the points that ran
    assert "devices[0].settings.rate_ml_per_day" in reasons[1] and "greater than or equal to 0" in reasons[1]
    volumes = table["devices.tank.volume_ml"].tolist()
    assert volumes[0] == pytest.approx(4.0) and volumes[2] == pytest.approx(0.0) and pd.isna(volumes[1])
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert list(manifest["invalid_points"]) == ["1"]


def test_every_point_invalid_is_refused_even_with_skip():
    spec = invalid_spec("skip")
    spec["parameters"][0]["values"] = [-1, -2]
    with pytest.raises(InputError, match="every point of the sweep is invalid"):
        plan_sweep(sweep_spec_from_dict(spec), allow_plugins=True)


@pytest.mark.parametrize(
    "change, words",
    [
        ({"variants": [{"label": "a"}, {"label": "a"}]}, "two variants have the label 'a'"),
        ({"parameters": [{"path": "x", "values": [1, 2], "zip": "g"}, {"path": "y", "values": [1, 2, 3], "zip": "g"}]}, "x has 2, y has 3"),
        ({"parameters": [{"path": "x", "name": "variant", "values": [1]}]}, "the column 'variant'"),
        ({"on_invalid": "ignore"}, "refuse"),
        ({"variants": [{"label": "a", "sett": {}}]}, "unknown key"),
    ],
)
def test_malformed_variants_and_zips_are_named(change, words):
    with pytest.raises(InputError) as err:
        sweep_spec_from_dict(spec_dict(**change), file="spec.yaml")
    assert any(words in i.message for i in err.value.issues), err.value


def test_a_variant_path_that_does_not_exist_names_the_variant():
    spec = spec_dict()
    spec["variants"][1]["set"] = {"devices[pump].settings.x": 1}
    with pytest.raises(InputError) as err:
        plan_sweep(sweep_spec_from_dict(spec, file="spec.yaml"), allow_plugins=True)
    issue = err.value.issues[0]
    assert issue.path == "variants[1].set.devices[pump].settings.x" and "no item with id 'pump'" in issue.message
