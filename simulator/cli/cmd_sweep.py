"""`neuromod-sim sweep SPEC --out DIR`: run many variations of a scenario and write one table."""
from __future__ import annotations

import argparse
import sys


def add_parser(sub, parents) -> None:
    p = sub.add_parser(
        "sweep",
        parents=parents,
        help="run a sweep spec (grids, random draws, seeds) and write Parquet results into DIR",
        description=(
            "Run every scenario of a sweep spec and write DIR/results.parquet (one row per scenario), "
            "with per-chunk files and a manifest so that an interrupted sweep resumes where it stopped "
            "when run again with the same --out (only if the spec, the base scenario, the profiles' content and the "
            "package version are all unchanged; otherwise it is refused). A spec is data: one naming plugins "
            "('module:function') is code and runs only with --allow-plugins."
        ),
    )
    p.add_argument("spec", help="sweep spec YAML file")
    p.add_argument("--out", required=True, metavar="DIR", help="sweep folder (resumed if it holds part of the same sweep)")
    p.add_argument("--executor", choices=["serial", "processes", "dask"], default="processes", help="where scenarios run (default: processes)")
    p.add_argument("--workers", type=int, default=None, metavar="N", help="worker processes (default: all cores)")
    p.add_argument("--scheduler", default=None, metavar="ADDR", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (implies --executor dask)")
    p.add_argument("--chunk-size", type=int, default=None, metavar="N", help="scenarios per Parquet chunk (default: the spec's, 50)")
    p.add_argument("--fresh", action="store_true", help="discard what DIR holds and start over")
    p.add_argument("--quiet", action="store_true", help="no progress bar or closing lines")
    p.add_argument(
        "--allow-plugins",
        action="store_true",
        help="run the spec's plugins: they are code, imported and called in this process and every worker; only for a spec you trust",
    )
    from simulator.cli.overrides import add_set_argument

    add_set_argument(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import time

    from simulator.errors import InputError, Issue
    from simulator.extras import require

    require("`neuromod-sim sweep`", "pandas", "pyarrow")
    if args.executor == "dask" or args.scheduler:
        require("`neuromod-sim sweep --executor dask`", "dask", "distributed")
    from simulator.sweep.runner import run_sweep
    from simulator.sweep.spec import load_sweep_spec

    if args.workers is not None and args.workers < 1:
        raise InputError(Issue("--workers", "must be a whole number >= 1", args.workers))
    if args.chunk_size is not None and args.chunk_size < 1:
        raise InputError(Issue("--chunk-size", "must be a whole number >= 1", args.chunk_size))
    if args.profiles:
        import os

        os.environ["NEUROMOD_PROFILES"] = os.pathsep.join([*args.profiles, *filter(None, [os.environ.get("NEUROMOD_PROFILES")])])
    if getattr(args, "set", None):  # changes to the base scenario, added to the spec's own `set:`
        from pathlib import Path

        from simulator.cli.overrides import parse_sets
        from simulator.sweep.spec import sweep_spec_from_dict
        from simulator.yaml_io import load_yaml_file

        sets = parse_sets(args.set)
        data = load_yaml_file(args.spec)
        if isinstance(data, dict) and isinstance(data.get("set", {}), dict):
            data["set"] = {**(data.get("set") or {}), **sets}
        spec = sweep_spec_from_dict(data, file=str(args.spec), base_dir=Path(args.spec).parent)
    else:
        spec = load_sweep_spec(args.spec)
    if spec.plugins and args.allow_plugins:
        print(
            f"warning: {args.spec} names plugins ({', '.join(spec.plugins)}): a spec with plugins is code; "
            "they are imported and called in this process and in every worker. Run only specs you trust.",
            file=sys.stderr,
        )
    t0 = time.perf_counter()
    try:
        table = run_sweep(
            spec,
            args.out,
            executor=args.executor,
            workers=args.workers,
            scheduler=args.scheduler,
            chunk_size=args.chunk_size,
            progress=not args.quiet,
            fresh=args.fresh,
            allow_plugins=args.allow_plugins,
        )
    except KeyboardInterrupt:
        print(f"\ninterrupted; finished chunks are kept in {args.out}: run the same command again to resume", file=sys.stderr)
        return 130
    elapsed = time.perf_counter() - t0
    if not args.quiet:
        print(f"{len(table)} scenarios, {len(table.columns)} columns in {elapsed:.1f} s")
        print(f"table written to {args.out}/results.parquet")
    return 0
