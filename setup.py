"""Package discovery that pyproject.toml alone cannot express: the top-level profiles/ and
scenarios/ folders ship as the packages `neuromod_profiles` and `neuromod_scenarios` beside
`simulator` and `gui`, so a plain `pip install .` carries the profiles and example scenarios."""
from setuptools import find_packages, setup

packages = find_packages(include=["simulator", "simulator.*", "gui", "gui.*"])
setup(
    packages=packages + ["neuromod_profiles", "neuromod_scenarios"],
    package_dir={"neuromod_profiles": "profiles", "neuromod_scenarios": "scenarios"},
)
