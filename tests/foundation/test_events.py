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


def _packed_run(subscribe, fail_on: int | None):
    """Packed events 0..4 to the subscriptions `subscribe(stream, got)` makes; the callback
    raises on event `fail_on`. Returns (what each callback got, the stream's records in order)."""
    from simulator.events import PayloadLayout

    stream = EventStream(check=False)
    layout = PayloadLayout(("v",))
    got: list = []
    seen: list = []

    def callback(record):
        if record.kind != Kinds.SUBSCRIBER_DETACHED and record.payload["v"] == fail_on:
            raise RuntimeError("view exploded")
        got.append((record.seq, record.kind, dict(record.payload)))

    subscribe(stream, callback, seen)
    for i in range(5):
        stream.emit_packed(float(i), "pump", "bolus.start", layout, (i,))
    return got, seen


def test_a_sole_subscriber_gets_what_the_loop_gives(caplog):
    """One subscription taking every record is handed each packed record directly; it gets the
    same records as the same subscription beside a filtered one that never matches (the loop of
    `_deliver`), and when it raises it is detached, logged and reported the same way."""
    def sole(stream, callback, seen):
        stream.subscribe(callback)
        assert stream._sole is not None

    def beside_a_filter(stream, callback, seen):
        stream.subscribe(callback)
        stream.subscribe(seen.append, kinds=["nothing.*"])
        assert stream._sole is None

    with caplog.at_level(logging.ERROR):
        for fail_on in (None, 2):
            assert _packed_run(sole, fail_on) == _packed_run(beside_a_filter, fail_on)
    got, _ = _packed_run(sole, 2)
    assert [seq for seq, _, _ in got] == [0, 1]  # detached at the third, whose report goes to nobody
    assert "detaching" in caplog.text


def test_the_sole_subscriber_follows_subscriptions():
    """`_sole` is the one subscription taking everything, and None with none, two, or a filtered one."""
    stream = EventStream(check=False)
    assert stream._sole is None
    first = []
    unsubscribe = stream.subscribe(first.append)
    assert stream._sole is not None and stream._sole.callback == first.append
    second = []
    unsubscribe_second = stream.subscribe(second.append)
    assert stream._sole is None
    unsubscribe()
    assert stream._sole is not None and stream._sole.callback == second.append
    unsubscribe_second()
    stream.subscribe(second.append, devices=["pump"])
    assert stream._sole is None
