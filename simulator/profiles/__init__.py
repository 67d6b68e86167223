"""Device, lead and drug profiles: pydantic models and the registry that finds them by id."""
from simulator.profiles.base import Profile, StrictModel
from simulator.profiles.registry import ProfileRegistry, default_registry

__all__ = ["Profile", "StrictModel", "ProfileRegistry", "default_registry"]
