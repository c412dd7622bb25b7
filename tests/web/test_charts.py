"""The server-drawn bar charts: bars scaled to the largest value, every figure kept as text."""

from __future__ import annotations

from pointage.web.charts import HEIGHT, bar_chart


def test_bars_are_scaled_to_the_largest_value_and_keep_their_order():
    chart = bar_chart("Credits", [("Mon", 100, "1,00 €"), ("Tue", 400, "4,00 €")])

    low, high = chart.bars
    assert (low.label, high.label) == ("Mon", "Tue")
    assert high.height == 4 * low.height > 0
    assert high.y + high.height == low.y + low.height == chart.baseline < HEIGHT
    assert low.x + low.width < high.x


def test_zero_and_negative_values_draw_no_bar_but_are_still_told():
    chart = bar_chart("Credits", [("Mon", 0, "0,00 €"), ("Tue", -5, "-0,05 €")])

    assert [bar.height for bar in chart.bars] == [0, 0]
    assert chart.description == "Credits: Mon: 0,00 €; Tue: -0,05 €"


def test_a_chart_without_points_has_no_bar():
    assert bar_chart("Credits", []).bars == ()
