"""Example scenarios, shipped as the package neuromod_scenarios so `neuromod-sim run NAME` finds them."""
