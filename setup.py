"""Package discovery that pyproject.toml alone cannot express: the top-level profiles/,
scenarios/ and exercises/ folders ship as the packages `neuromod_profiles`, `neuromod_scenarios`
and `neuromod_exercises` beside `simulator` and `gui`, so a plain `pip install .` carries the
profiles, example scenarios and training exercises."""
from setuptools import find_packages, setup

packages = find_packages(include=["simulator", "simulator.*", "gui", "gui.*"])
setup(
    packages=packages + ["neuromod_profiles", "neuromod_scenarios", "neuromod_exercises"],
    package_dir={"neuromod_profiles": "profiles", "neuromod_scenarios": "scenarios", "neuromod_exercises": "exercises"},
)
