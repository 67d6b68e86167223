"""`neuromod-sim profiles [show ID]`: list the device, lead and drug profiles."""
from __future__ import annotations

import argparse


def add_parser(sub, parents) -> None:
    p = sub.add_parser("profiles", parents=parents, help="list profiles, or `profiles show ID` to print one")
    p.add_argument("what", nargs="?", choices=["list", "show"], default="list")
    p.add_argument("id", nargs="?", help="profile id for `show`, e.g. pump/peristaltic-20ml")
    p.add_argument("--kind", choices=["pump", "scs", "lead", "drug"], help="list only this kind")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import yaml

    from simulator.cli.main import registry_from_args
    from simulator.errors import InputError, Issue

    registry = registry_from_args(args)
    if args.what == "show":
        if not args.id:
            raise InputError(Issue("ID", "give a profile id; `neuromod-sim profiles` lists them"))
        profile = registry.get(args.id)
        print(f"# {registry.path_of(args.id)}")
        print(yaml.safe_dump(profile.model_dump(mode="json"), sort_keys=False, allow_unicode=True), end="")
        return 0
    ids = registry.ids(args.kind)
    width = max((len(i) for i in ids), default=10)
    for profile_id in ids:
        profile = registry.get(profile_id)
        print(f"{profile_id:<{width}}  {profile.description}")
    return 0
