"""Spinal cord stimulator model: profiles, leads, programs, safety, waveforms, energy, battery,
impedance, closed loop and the device itself. Pulses are never events: see DESIGN.md."""
