"""The virtual SCS patient: an APPROXIMATION FOR TEACHING, not a physiological model.

A patient (kind `patient`) is linked in a scenario to a stimulator. It turns the stimulator's
programs, its own anatomy (dorsal CSF thickness by level and posture) and where the leads lie into
perception and discomfort thresholds, felt paresthesia, coverage of the pain map, relief over time
(closed-form exponential approach) and what the patient would say, as events. Facts and model
shapes: `domain/patient.md` section A. Modules, one job each:

- `profile`: the patient profile (pain map, baseline NRS, anatomy, responder draw, time constants);
- `anatomy`: vertebral positions, contact sites on the spine, CSF thickness by level and posture;
- `somatotopy`: where paresthesia is felt for a cathode level and side (table A1);
- `thresholds`: perception / discomfort thresholds of a program;
- `coverage`: paresthesia of a program and its pain-weighted overlap with the pain map;
- `relief`: relief targets and the closed-form exponential relief state;
- `diary`: pain diary entries and the trial verdict (>= 50 % relief);
- `settings`, `snapshot`, `device`: the scenario settings, the frozen snapshot and the device.
"""

LABEL = "approximation for teaching: a toy patient model, not a physiological or clinical prediction"
