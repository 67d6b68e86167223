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
- device.py           PumpDevice (profile kind "pump"): settings check, the components, ACTION_TABLE,
                      recording, public queries, summary
- therapy.py          component: drug, concentration, program and schedule, dose history (`program`)
- flow.py             component: reservoir (true and calculated), flows in closed form, flow error,
                      environment (`set_low_reservoir_threshold`, `set_environment`)
- dead_volume.py      component: the dead-volume queue and the mass ledger
- bolusing.py         component: running boluses, patient-bolus settings and policy (bolus actions)
- refill.py           component: the refill action, the concentration-change dose error, drug stability
- faults.py           component: why the pump is stopped, faults, ERI / EOS (`inject_fault`, ...)
- mri.py              component: MRI conditions (field, empty reservoir), motor stop and delayed recovery,
                      telemetry lock and interrogate, valve closed until reset, valves-open discharge
- moments.py          component: candidate moments, handling what is due, the next wake-up
- forecast.py         component: projections from the present state (segments, walks), stateless
- screening.py        baclofen starting dose from a screening result, titration steps by origin
- systemic.py         systemic equivalents of an intrathecal dose (pocket-fill message)
- priming.py          component: the priming-bolus mixing hazard (labelled model)
- patient_presses.py  component: seeded random patient presses in waking hours
- snapshot.py         PumpSnapshot: the frozen, typed view of the pump now
"""
