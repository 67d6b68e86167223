"""Imported first by the forkserver of a `processes` sweep (its preload): the forkserver ends
when the sweep process that started it ends, even killed outright (see `lifeline`): a thread
watches the parent's pid.

Only the forkserver imports this module; importing it elsewhere ties that process to its parent.
"""
from __future__ import annotations

from simulator.sweep.lifeline import die_with_parent

HOW = die_with_parent(kernel_signal=False)  # a watcher thread: see lifeline on prctl and threads
