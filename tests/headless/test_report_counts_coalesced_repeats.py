"""The report and the summary count alarm repeats recorded coalesced (one `alarm.repeats` event
holding `count` repeats) as they counted one `alarm.repeat` event per repeat."""
from simulator.events import EventRecord
from simulator.report.plots import alarm_spans
from simulator.results import Results, event_counts

DAY = 86400.0


def _results(events):
    return Results("hand-made", 0, "2026-01-01T08:00:00", 3 * DAY, events, {}, {}, {})


def test_report_counts_coalesced_repeats():
    # low reservoir raised at day 1, acknowledged 23.5 h later: hourly repeats at +1 h ... +23 h = 23
    events = [
        EventRecord(0, 0.0, "sim", "sim.start", {}),
        EventRecord(1, 1 * DAY, "pump", "alarm.raised", {"alarm": "low_reservoir", "severity": "non_critical"}),
        EventRecord(2, 1 * DAY + 23.5 * 3600, "pump", "alarm.repeats", {"alarm": "low_reservoir", "severity": "non_critical",
                    "first_t_s": 1 * DAY + 3600, "interval_s": 3600.0, "count": 23, "last_t_s": 1 * DAY + 23 * 3600}),
        EventRecord(3, 1 * DAY + 23.5 * 3600, "pump", "alarm.acknowledged", {"alarm": "low_reservoir", "severity": "non_critical"}),
        # an older results file: one event per repeat
        EventRecord(4, 2 * DAY, "pump", "alarm.raised", {"alarm": "motor_stall", "severity": "critical"}),
        EventRecord(5, 2 * DAY + 600, "pump", "alarm.repeat", {"alarm": "motor_stall", "severity": "critical"}),
        EventRecord(6, 2 * DAY + 1200, "pump", "alarm.repeat", {"alarm": "motor_stall", "severity": "critical"}),
        EventRecord(7, 3 * DAY, "sim", "sim.end", {}),
    ]
    spans = {s["alarm"]: s for s in alarm_spans(_results(events))}
    assert spans["low_reservoir"]["repeats"] == 23
    assert spans["low_reservoir"]["acknowledged_t_s"] == 1 * DAY + 23.5 * 3600
    assert spans["motor_stall"]["repeats"] == 2
    counts = event_counts(events)
    assert counts["alarm.repeat"] == 25 and "alarm.repeats" not in counts
    assert counts["alarm.raised"] == 2 and counts["sim.end"] == 1
