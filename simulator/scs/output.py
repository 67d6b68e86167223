"""The output stage's switches (component `output` of StimulatorDevice).

`OutputSwitch` holds the clinician's or patient's on switch and MRI mode. Whether the generator
delivers pulses also depends on the battery (suspended output, component `power`) and on a
program running (component `programs`); `StimulatorDevice.stimulating()` combines them.
"""
from __future__ import annotations


class OutputSwitch:
    """Stimulation on/off (the user's switch) and MRI mode (output off while on)."""

    def __init__(self, stim_on: bool) -> None:
        self.stim_on = stim_on
        self.mri = False

    def switch(self, on: bool) -> None:
        """The user turns stimulation on or off."""
        self.stim_on = on

    def set_mri(self, on: bool) -> None:
        """MRI mode on (output off whatever the switch says) or off."""
        self.mri = on
