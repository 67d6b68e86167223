"""Intrathecal drug pump model: profiles, drug library, dosing, reservoir, refills, alarms, battery.

Modules, one job each:
- profile.py          PumpProfile (device archetype data)
- drugs.py            DrugProfile (drug library data)
- dosing.py           the ONE place that converts dose <-> volume, and unit-named field picking
- schedule.py         dosing programs (stopped, continuous, flex, periodic) in closed form
- boluses.py          running boluses and the patient-bolus policy (lockout, maximum per day)
- reservoir.py        reservoir content, dead-volume FIFO and the drug mass balance
- battery.py          battery charge, ERI and EOS in closed form
- flow_accuracy.py    systematic flow error, gas-driven temperature/pressure factor
- accuracy.py         IEC 60601-2-24 trumpet curve
- delivery_pattern.py stroke/packet synthesis for a time window
- settings.py         scenario settings and action parameter models
- flow.py             closed-form core: flows between wake-ups, candidate moments and their handlers
- queries.py          projections and public queries (volumes, delivered drug, dates, daily doses)
- program_actions.py  program and bolus actions (single, patient, bridge, priming)
- refill.py           the refill action and the concentration-change dose error
- fault_actions.py    threshold, alarm, fault and environment actions
- mri.py              MRI: conditions (field, empty reservoir), motor stop and delayed recovery,
                      telemetry lock and interrogate, valve closed until reset, valves-open discharge
- screening.py        baclofen starting dose from a screening result, titration steps by origin
- systemic.py         systemic equivalents of an intrathecal dose (pocket-fill message)
- priming.py          the priming-bolus mixing hazard (labelled model)
- patient_presses.py  seeded random patient presses in waking hours
- device.py           PumpDevice (profile kind "pump"): settings check, start, recording, summary
"""
