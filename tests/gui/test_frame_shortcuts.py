"""Shortcuts of the app's frame at speed give the same answers as the plain path: a re-set
curve's data bounds (asked by the auto-range) equal pyqtgraph's own, NaNs and infinities
included; a scope trace synthesised again with rounding-sized differences is not re-set (nor
repainted), one that moved by a quarter pixel or more is. No timing is asserted."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gui.plot_common import FastBoundsCurve, set_data_if_moved

values = st.one_of(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
    st.just(float("nan")), st.just(float("inf")), st.just(float("-inf")),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ys=st.lists(values, min_size=1, max_size=12), width=st.sampled_from([0.0, 1.0, 2.5]),
       cosmetic=st.booleans(), fill=st.sampled_from([None, -3.0]))
def test_fast_bounds_are_pyqtgraphs_bounds(qapp, ys, width, cosmetic, fill):
    x = np.arange(len(ys), dtype=float)
    y = np.asarray(ys, dtype=float)
    pen = pg.mkPen("k", width=width)
    pen.setCosmetic(cosmetic)
    fast = FastBoundsCurve(x, y, pen=pen, fillLevel=fill)
    plain = pg.PlotCurveItem(x, y, pen=pen, fillLevel=fill)
    for ax in (0, 1):
        for _ in range(2):  # the second answer comes from the cache
            got, want = fast.dataBounds(ax), plain.dataBounds(ax)
            assert np.array_equal(np.asarray(got, dtype=float), np.asarray(want, dtype=float), equal_nan=True)
    # a fraction or an orthogonal range is pyqtgraph's own path
    got, want = fast.dataBounds(1, orthoRange=(0.0, 1.0)), plain.dataBounds(1, orthoRange=(0.0, 1.0))
    assert np.array_equal(np.asarray(got, dtype=float), np.asarray(want, dtype=float), equal_nan=True)


def test_fast_bounds_follow_new_data(qapp):
    curve = FastBoundsCurve(np.array([0.0, 1.0]), np.array([2.0, 5.0]))
    assert curve.dataBounds(1) == (2.0, 5.0)
    curve.setData(np.array([0.0, 1.0, 2.0]), np.array([-1.0, 4.0, 3.0]))
    assert curve.dataBounds(1) == (-1.0, 4.0) and curve.dataBounds(0) == (0.0, 2.0)


def test_a_scope_trace_is_re_set_only_when_it_moved_a_quarter_pixel(qapp):
    plot = pg.PlotWidget()
    plot.resize(400, 200)
    plot.show()
    qapp.processEvents()
    curve = FastBoundsCurve(pen=pg.mkPen("k", width=1))
    plot.addItem(curve)
    plot.setRange(xRange=(0.0, 10.0), yRange=(-4.0, 4.0), padding=0)  # 8 mA over ~200 px: ~0.04 mA a pixel
    qapp.processEvents()
    x = np.linspace(0.0, 10.0, 50)
    y = np.where((x > 2.0) & (x < 3.0), -3.0, 0.0)
    assert set_data_if_moved(curve, x, y)
    shown = curve.getData()[1]
    # synthesised again at a later now: averaged samples differ by rounding (~2e-4 mA)
    assert not set_data_if_moved(curve, x, y + 2e-4)
    assert curve.getData()[1] is shown
    # a real change (the amplitude 3.0 -> 2.9 mA: ~2.5 px) is drawn
    assert set_data_if_moved(curve, x, y * 2.9 / 3.0)
    assert np.array_equal(curve.getData()[1], y * 2.9 / 3.0)
    plot.close()
    plot.deleteLater()
    qapp.processEvents()


@settings(max_examples=200, deadline=None)
@given(pairs=st.lists(st.tuples(values, values), min_size=0, max_size=10), tol=st.floats(min_value=0.0, max_value=10.0))
def test_within_is_allclose_for_finite_data_and_never_looser(pairs, tol):
    from gui.plot_common import _within

    a = np.asarray([p[0] for p in pairs], dtype=float)
    b = np.asarray([p[1] for p in pairs], dtype=float)
    plain = bool(np.allclose(a, b, rtol=0.0, atol=tol))
    if np.isfinite(a).all() and np.isfinite(b).all():
        assert _within(a, b, tol) == plain
    else:  # a NaN or an infinity: close only when equal (then the curve need not be re-set)
        assert _within(a, b, tol) == bool(np.array_equal(a, b)) or (plain and not _within(a, b, tol))
