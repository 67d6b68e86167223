import logging

from simulator.events import EventStream, Kinds


def test_records_are_numbered_in_emission_order_and_filtered():
    stream = EventStream(check=False)  # synthetic kinds and payloads
    seen_all, seen_alarms, seen_pump = [], [], []
    stream.subscribe(seen_all.append)
    stream.subscribe(seen_alarms.append, kinds=["alarm.*"])
    stream.subscribe(seen_pump.append, devices=["pump"])
    stream.emit(1.0, "pump", "alarm.raised", {"alarm": "low_reservoir"})
    stream.emit(1.0, "ipg", "action", {})
    stream.emit(2.0, "pump", "bolus.start", {})
    assert [r.seq for r in seen_all] == [0, 1, 2]
    assert [r.kind for r in seen_alarms] == ["alarm.raised"]
    assert [r.kind for r in seen_pump] == ["alarm.raised", "bolus.start"]


def test_failing_subscriber_is_detached_logged_and_reported_once(caplog):
    stream = EventStream(check=False)  # synthetic kinds and payloads
    good = []
    calls = []

    def broken_plot(record):
        calls.append(record)
        raise RuntimeError("plot exploded")

    stream.subscribe(broken_plot)
    stream.subscribe(good.append)
    with caplog.at_level(logging.ERROR):
        stream.emit(0.0, "pump", "action", {})
        stream.emit(1.0, "pump", "action", {})
    assert len(calls) == 1  # detached after its first failure
    kinds = [r.kind for r in good]
    assert kinds == ["action", Kinds.SUBSCRIBER_DETACHED, "action"]
    assert "plot exploded" in good[1].payload["error"]
    assert "detaching" in caplog.text


def test_unsubscribe_stops_delivery():
    stream = EventStream(check=False)  # synthetic kinds and payloads
    got = []
    unsubscribe = stream.subscribe(got.append)
    stream.emit(0.0, "a", "x")
    unsubscribe()
    stream.emit(1.0, "a", "x")
    assert len(got) == 1
