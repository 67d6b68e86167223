"""Training and teaching: guided exercises graded automatically, and educator demonstrations.

- exercise.py       the exercise file model and its validation
- catalog.py        finding the bundled exercises (source tree or installed package)
- criteria.py       criterion kinds: each checks what the trainee did and what followed
- device_checks.py  registry of checks that need a device model (pump_checks, scs_checks)
- attempt.py        the attempt record (what was done, when), saved as YAML/JSON
- grading.py        replay an attempt on the exercise's scenario and score it
- demos.py          educator demonstrations (side-by-side comparisons, CSF model)
No Qt here: the app's training dock lives in gui/training/.
"""
