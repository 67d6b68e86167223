"""Baselines measured in the same process as each target, so ratios hold on a noisy machine."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import simpy


def simpy_bare_timeouts(n: int) -> None:
    """SimPy processing `n` bare timeouts: one process yielding n timeouts of 1 s."""
    env = simpy.Environment()

    def ticker(env):
        for _ in range(n):
            yield env.timeout(1.0)

    env.process(ticker(env))
    env.run()


def numpy_fill(n_samples: int) -> np.ndarray:
    """Allocate and fill an array of `n_samples` floats with one vectorised numpy operation."""
    return np.sin(np.arange(n_samples, dtype=float))


def python_pass() -> None:
    """Start a Python interpreter that does nothing."""
    subprocess.run([sys.executable, "-c", "pass"], check=True)


#: the bare-SimPy script run as a whole process (the baseline of `neuromod-sim run` as a process)
SIMPY_SCRIPT = """
import simpy
env = simpy.Environment()
def ticker(env, n):
    for _ in range(n):
        yield env.timeout(1.0)
env.process(ticker(env, {n}))
env.run()
"""


def simpy_script_process(n: int) -> None:
    """Start a Python interpreter that imports SimPy and processes `n` bare timeouts."""
    import os

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # as benchmarks.run.process_env
    subprocess.run([sys.executable, "-c", SIMPY_SCRIPT.format(n=n)], check=True, env=env)
