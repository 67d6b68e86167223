"""Bundled device, lead and drug profiles (YAML data). Installed as the package neuromod_profiles."""
