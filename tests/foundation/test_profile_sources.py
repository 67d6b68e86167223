"""A user's profile (--profiles DIR) must carry a source note for every figure, each starting
with its tag ([L], [D] or [?]), like the bundled ones: a drug whose daily maximum has no note
was used without a word. The run, `validate` and `profiles show` refuse it (exit 2) naming the
file and the figure; nothing is written."""
from pathlib import Path

import pytest

from simulator.cli.main import main
from simulator.profiles.registry import bundled_profiles_dir

MORPHINE = (bundled_profiles_dir() / "drug" / "morphine.yaml").read_text()
NOTE = '  max_daily_dose_mg: "[?] default 15 mg/day (PACC 2017; pump.md)"\n'


def _folder(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "morphine.yaml").write_text(text)
    return folder


def _cli(capsys, *args) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().err


def test_a_figure_without_a_source_note_is_refused_by_run_validate_and_profiles(capsys, tmp_path):
    assert NOTE in MORPHINE
    folder = _folder(tmp_path, MORPHINE.replace(NOTE, ""))
    out = tmp_path / "out"
    code, err = _cli(capsys, "run", "pump_morphine_refills", "--profiles", str(folder), "--out", str(out), "--quiet")
    assert code == 2 and str(folder / "morphine.yaml") in err and "none for: max_daily_dose_mg" in err, err
    assert not out.exists()
    code, err = _cli(capsys, "validate", str(folder / "morphine.yaml"))
    assert code == 2 and "sources: every figure needs a source note; none for: max_daily_dose_mg" in err, err
    code, err = _cli(capsys, "profiles", "show", "drug/morphine", "--profiles", str(folder))
    assert code == 2 and "max_daily_dose_mg" in err, err


def test_a_source_note_without_its_tag_is_refused(capsys, tmp_path):
    folder = _folder(tmp_path, MORPHINE.replace('max_daily_dose_mg: "[?] default 15', 'max_daily_dose_mg: "default 15'))
    code, err = _cli(capsys, "validate", str(folder / "morphine.yaml"))
    assert code == 2 and "sources.max_daily_dose_mg: a source note starts with its tag" in err and "'default 15 mg/day" in err, err


@pytest.mark.parametrize("note", ["[L] our pharmacy's label", "[D] 3 x 5 mg/day", "[?] default: the clinic's choice", "[L: Deer 2017] PACC"])
def test_a_profile_with_every_note_tagged_is_used(capsys, tmp_path, note):
    """The same morphine with a daily maximum of 4 mg/day and its own note: the 3 mg/day run
    is under it (no warning); the override is said on stderr."""
    text = MORPHINE.replace(NOTE, f'  max_daily_dose_mg: "{note}"\n').replace("max_daily_dose_mg: 15", "max_daily_dose_mg: 4")
    folder = _folder(tmp_path, text)
    code, err = _cli(capsys, "run", "pump_morphine_refills", "--profiles", str(folder), "--out", str(tmp_path / "out"), "--quiet", "--until", "1d")
    assert code == 0, err
    assert "profile drug/morphine is overridden" in err
