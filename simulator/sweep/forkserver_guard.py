"""Imported first by the forkserver of a `processes` sweep (its preload): the forkserver ends
when the sweep process that started it ends, even killed outright (see `lifeline`): a thread
watches the parent's pid.

Ctrl-C in a terminal reaches the whole process group, the forkserver too. Python's forkserver
ignores SIGINT only once its preload is imported; during the preload (about a second) a Ctrl-C
killed it with a traceback on the user's terminal, under the sweep's own clean message. So
SIGINT is ignored from here to the end of `simulator.sweep.preload`, which restores the default
handler (the one the forkserver hands on to the workers it forks).

Only the forkserver imports this module; importing it elsewhere ties that process to its parent.
"""
from __future__ import annotations

import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)  # the sweep process handles Ctrl-C; see above

from simulator.sweep.lifeline import die_with_parent  # noqa: E402

HOW = die_with_parent(kernel_signal=False)  # a watcher thread: see lifeline on prctl and threads
