"""`neuromod-sim schema`: JSON Schemas for scenario and profile files (editor completion), and of
the event payloads in events.jsonl (`schema events`)."""
from __future__ import annotations

import argparse
import json


def add_parser(sub, parents) -> None:
    p = sub.add_parser("schema", parents=parents, help="print JSON Schemas of scenarios, sweep specs, exercises, attempts, device settings, actions, profiles and event payloads (for editor completion)")
    p.add_argument("which", nargs="?", default="all", help="all (default), scenario, sweep, exercise, attempt, events (event payloads by kind), a device kind (pump, scs: its settings and actions) or profiles")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from simulator.errors import InputError, Issue
    from simulator.schema import all_schemas

    schemas = all_schemas()
    if args.which != "all":
        if args.which not in schemas:
            raise InputError(Issue("which", f"unknown schema; allowed: all, {', '.join(schemas)}", args.which))
        schemas = schemas[args.which]
    print(json.dumps(schemas, indent=2))
    return 0
