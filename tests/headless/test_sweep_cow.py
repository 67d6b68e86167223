"""A sweep point's scenario data is made copy-on-write (`expand.point_scenario`): only the
mappings and lists on the paths it sets are copied, the rest is shared with the base. It must be
equal to the plain expansion (a whole copy of the base with the values set), raise the same
issues, and leave the base and every other point as they were."""
from __future__ import annotations

import copy
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.errors import InputError, Issue
from simulator.sweep.expand import plain_copy, point_scenario
from simulator.sweep.fields import set_field
from simulator.sweep.spec import VARIANT_COLUMN


def plain_point(spec, base: dict, values: tuple) -> dict:
    """The plain expansion (as before copy-on-write): a whole copy of the base, the values set."""
    data = plain_copy(base)
    for path, value in spec.set.items():
        try:
            set_field(data, path, value)
        except InputError as exc:
            raise InputError([Issue(f"set.{path}", i.message, i.value) for i in exc.issues], spec.file) from None
    by_column = dict(values)
    if spec.variants:
        i, variant = next((i, v) for i, v in enumerate(spec.variants) if v.label == by_column[VARIANT_COLUMN])
        for path, value in variant.set.items():
            try:
                set_field(data, path, value)
            except InputError as exc:
                raise InputError([Issue(f"variants[{i}].set.{path}", m.message, m.value) for m in exc.issues], spec.file) from None
    for k, p in enumerate(spec.parameters):
        try:
            set_field(data, p.path, by_column[p.column])
        except InputError as exc:
            raise InputError([i.under(f"parameters[{k}]") for i in exc.issues], spec.file) from None
    return data


def outcome(make, spec, base, values):
    """('ok', data) or ('error', the issues as text)."""
    try:
        return "ok", make(spec, base, values)
    except InputError as exc:
        return "error", [str(i) for i in exc.issues]


atom = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False, width=32), st.text("xy", max_size=2))
value = st.one_of(atom, st.dictionaries(st.sampled_from("abxy"), atom, max_size=2), st.lists(atom, max_size=2))
setting = st.one_of(atom, st.dictionaries(st.sampled_from("xy"), st.one_of(atom, st.dictionaries(st.just("y"), atom, max_size=1)), max_size=2))
device = st.fixed_dictionaries({"id": st.sampled_from(["pump", "ipg", "tank"]), "settings": st.dictionaries(st.sampled_from("abc"), setting, max_size=3)})
action = st.fixed_dictionaries({"at": st.floats(0, 10), "params": st.dictionaries(st.sampled_from("abc"), setting, max_size=2)})
base_data = st.fixed_dictionaries({"name": st.just("s"), "duration": atom, "devices": st.lists(device, min_size=1, max_size=3), "timeline": st.lists(action, max_size=3)})

index = st.integers(-4, 3).map(str)
ident = st.sampled_from(["pump", "ipg", "tank", "zz"])
key = st.sampled_from("abc")
path = st.one_of(
    st.sampled_from(["duration", "devices", "timeline", "nothere.x.y", "devices.x", "name.x"]),
    st.builds("devices[{}].settings.{}".format, st.one_of(index, ident), key),
    st.builds("devices[{}].settings.{}.x".format, st.one_of(index, ident), key),
    st.builds("devices[{}].settings.{}.x.y".format, st.one_of(index, ident), key),
    st.builds("devices[{}].settings".format, st.one_of(index, ident)),
    st.builds("devices[{}]".format, index),
    st.builds("timeline[{}].params.{}.x".format, index, key),
    st.builds("timeline[{}].at".format, index),
    st.builds("devices[{}].settings.{}[0]".format, index, key),
)


@st.composite
def specs(draw):
    """(spec-like object, the point's values): `set`, optional variants, parameters."""
    set_ = draw(st.dictionaries(path, value, max_size=2))
    variants = draw(st.lists(st.dictionaries(path, value, max_size=2), max_size=2))
    variants = [SimpleNamespace(label=f"v{i}", set=s) for i, s in enumerate(variants)]
    params = draw(st.lists(path, max_size=3))
    parameters = [SimpleNamespace(path=p, column=f"c{k}") for k, p in enumerate(params)]
    values = tuple((f"c{k}", draw(value)) for k in range(len(params)))
    if variants:
        values = ((VARIANT_COLUMN, draw(st.sampled_from(variants)).label), *values)
    return SimpleNamespace(set=set_, variants=variants, parameters=parameters, file="spec.yaml"), values


@settings(max_examples=400, deadline=None)
@given(base_data, specs(), specs())
def test_copy_on_write_point_equals_the_plain_expansion_and_changes_nothing_else(base, first, second):
    before = copy.deepcopy(base)
    spec, values = first
    made = outcome(point_scenario, spec, base, values)
    assert made == outcome(plain_point, spec, base, values)
    assert base == before  # the base is never written to
    if made[0] == "ok":
        kept = copy.deepcopy(made[1])
        spec2, values2 = second
        assert outcome(point_scenario, spec2, base, values2) == outcome(plain_point, spec2, base, values2)
        assert made[1] == kept  # another point leaves this one as it was
        assert base == before


def test_a_point_copies_only_what_its_paths_reach():
    base = {
        "name": "s",
        "devices": [{"id": "pump", "settings": {"rate": 1.0, "bolus": {"dose": 0.1}}}, {"id": "ipg", "settings": {"amp": 2.0}}],
        "timeline": [{"at": 1.0, "params": {"volume": 5}}],
    }
    spec = SimpleNamespace(set={}, variants=[], file=None, parameters=[SimpleNamespace(path="devices[pump].settings.bolus.dose", column="dose")])
    point = point_scenario(spec, base, (("dose", 0.2),))
    assert point["devices"][0]["settings"]["bolus"] == {"dose": 0.2} and base["devices"][0]["settings"]["bolus"] == {"dose": 0.1}
    # copied: the point's top level, the devices list, the pump, its settings, the bolus mapping
    assert point is not base and point["devices"] is not base["devices"] and point["devices"][0] is not base["devices"][0]
    assert point["devices"][0]["settings"] is not base["devices"][0]["settings"]
    # shared with the base: the other device and the timeline
    assert point["devices"][1] is base["devices"][1] and point["timeline"] is base["timeline"]
