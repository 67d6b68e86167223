"""Package discovery that pyproject.toml alone cannot express: the top-level profiles/ folder
ships as the package `neuromod_profiles` beside `simulator` and `gui`."""
from setuptools import find_packages, setup

packages = find_packages(include=["simulator", "simulator.*", "gui", "gui.*"]) + ["neuromod_profiles"]
setup(packages=packages, package_dir={"neuromod_profiles": "profiles"})
