"""Training exercises (YAML), shipped as the package neuromod_exercises so `neuromod-sim exercise` finds them."""
