"""Ctrl-C that lands while a library runs our code and comes back wrapped in the library's own
error still ends a sweep as interrupted (KeyboardInterrupt: exit 130), not as an internal error.

Seen in CI: SIGINT arrived while pydantic's serializer called `format_duration` for a scenario's
`model_dump`; pydantic raised PydanticSerializationError and the CLI said "internal error"."""
from __future__ import annotations

import os
import signal

import pytest
from pydantic import BaseModel, field_serializer

from simulator.sweep.runner import _InterruptLatch


class _Dumped(BaseModel):
    seconds: float

    @field_serializer("seconds")
    def _text(self, value: float) -> str:
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C, delivered while pydantic calls this
        return f"{value:g} s"


def test_a_real_sigint_inside_pydantics_serializer_is_wrapped_by_pydantic():
    """The library behaviour the latch answers (if pydantic ever lets it through, this says so)."""
    latch = _InterruptLatch()
    previous = signal.signal(signal.SIGINT, latch._handler)
    try:
        with pytest.raises(Exception) as caught:
            _Dumped(seconds=60.0).model_dump()
    finally:
        signal.signal(signal.SIGINT, previous)
    assert not isinstance(caught.value, KeyboardInterrupt)
    assert latch.pending


def test_the_armed_latch_turns_the_wrapped_interrupt_back_into_keyboard_interrupt():
    latch = _InterruptLatch()
    before = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt) as caught:
        with latch.armed():
            _Dumped(seconds=60.0).model_dump()
    assert caught.value.__cause__ is not None  # the library's error kept as the cause
    assert signal.getsignal(signal.SIGINT) is before  # the previous handler is back


def test_an_error_without_ctrl_c_stays_what_it_is():
    latch = _InterruptLatch()
    with pytest.raises(ValueError, match="a real problem"):
        with latch.armed():
            raise ValueError("a real problem")
    assert not latch.pending


def test_cli_run_interrupted_inside_pydantic_exits_130_and_writes_nothing(tmp_path, monkeypatch, capsys):
    """`neuromod-sim run`: the same wrapped Ctrl-C (here while the results are made) is an
    interruption (exit 130, 'interrupted; nothing was written'), not an internal error (exit 1)."""
    from simulator.cli.main import EXIT_INTERRUPTED, main
    from simulator.engine import Simulation
    from tests.conftest import ROOT

    def results_interrupted(self):
        return _Dumped(seconds=1.0).model_dump()  # the default SIGINT handler raises inside pydantic

    monkeypatch.setattr(Simulation, "results", results_interrupted)
    out = tmp_path / "out"
    code = main(["run", str(ROOT / "scenarios" / "pump_patient_boluses.yaml"), "--out", str(out), "--quiet"])
    assert code == EXIT_INTERRUPTED
    assert "interrupted; nothing was written" in capsys.readouterr().err
    assert not out.exists()
