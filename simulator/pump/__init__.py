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
- device.py           PumpDevice (profile kind "pump")
"""
