"""Random draws with bounds numpy cannot use, and unknown outputs, are input errors naming the
spec file, the field and the value (exit 2), never an internal error."""
from __future__ import annotations

import pytest

from simulator.errors import InputError
from simulator.sweep.runner import run_sweep
from simulator.sweep.spec import sweep_spec_from_dict


def _spec(toy_sweep_dict, parameter):
    data = dict(toy_sweep_dict)
    data["parameters"] = [{"path": "devices[tank].settings.rate_ml_per_day", **parameter}]
    return data


def test_a_uniform_span_past_the_float_range_is_refused(toy_sweep_dict):
    # -1e308 .. 1e308 spans 2e308, more than the largest float (1.797e308): numpy raised OverflowError
    data = _spec(toy_sweep_dict, {"uniform": {"low": -1e308, "high": 1e308}, "count": 3})
    with pytest.raises(InputError) as err:
        sweep_spec_from_dict(data, file="x.yaml")
    issue = err.value.issues[0]
    assert issue.path == "parameters[0].uniform" and "finite" in issue.message and str(err.value).startswith("x.yaml: ")
    # the widest span allowed still draws: 0 .. 1e308
    sweep_spec_from_dict(_spec(toy_sweep_dict, {"uniform": {"low": 0, "high": 1e308}, "count": 3}), file="x.yaml")


def test_a_normal_clip_with_low_above_high_is_refused(toy_sweep_dict):
    # clipping to 5 .. 1 gave every draw the value 1 without a word
    data = _spec(toy_sweep_dict, {"normal": {"mean": 3, "sd": 1, "low": 5, "high": 1}, "count": 3})
    with pytest.raises(InputError) as err:
        sweep_spec_from_dict(data, file="x.yaml")
    assert err.value.issues[0].path == "parameters[0].normal" and "high (1.0) must be >= low (5.0)" in err.value.issues[0].message
    sweep_spec_from_dict(_spec(toy_sweep_dict, {"normal": {"mean": 3, "sd": 1, "low": 2, "high": 2}, "count": 3}), file="x.yaml")


def test_an_unknown_output_names_the_spec_file(tmp_path, toy_sweep_dict):
    import yaml

    data = dict(toy_sweep_dict, outputs=["no.such.figure"])
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(data))
    with pytest.raises(InputError) as err:
        run_sweep(str(spec), tmp_path / "out", executor="serial", progress=False, allow_plugins=True)
    assert str(err.value).startswith(f"{spec}: outputs[0]: no summary figure of that name")


def test_an_invalid_set_without_parameters_is_named_as_the_set(toy_sweep_dict):
    # was "parameters (point 0: ) -> scenario.foo": a sweep without parameters has no point values
    data = dict(toy_sweep_dict, parameters=[], set={"foo.bar": 1})
    with pytest.raises(InputError) as err:
        run_sweep(data, "unused-out", executor="serial", progress=False, allow_plugins=True)
    assert err.value.issues[0].path.startswith("set (the base with the spec's set, no parameters) -> scenario.foo")
