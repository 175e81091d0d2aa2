"""The progress figures: a calendar heatmap and retention bars, laid out in Python, drawn as SVG."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from lbteach.quiz.charts import heatmap, level, retention
from tests.quiz.conftest import ask

TODAY = date(2025, 3, 12)  # a Wednesday


def test_the_heatmap_has_a_column_per_week_and_a_row_per_weekday():
    chart = heatmap({TODAY: 4, TODAY - timedelta(days=1): 1, TODAY - timedelta(days=9): 12}, TODAY)
    assert chart.first == date(2024, 9, 16)  # the Monday 25 weeks before this week's
    assert len(chart.cells) == 25 * 7 + 3
    last = chart.cells[-1]
    assert (last.day, last.count, last.level, last.x, last.y) == (
        TODAY,
        4,
        2,
        30 + 25 * 14,
        18 + 2 * 14,
    )
    assert (chart.days_studied, chart.answers) == (3, 17)
    assert chart.busiest is not None
    assert chart.busiest.day == TODAY - timedelta(days=9)
    assert chart.busiest.count == 12
    assert (chart.width, chart.height) == (30 + 26 * 14, 18 + 7 * 14)


def test_colour_levels():
    assert [level(n) for n in (0, 1, 2, 3, 5, 6, 9, 10, 99)] == [0, 1, 1, 2, 2, 3, 3, 4, 4]


def test_retention_bars_are_the_share_recalled():
    chart = retention([("NAT", 4, 3), ("Hashing", 0, 0), ("Drill: Add a table", 2, 2)])
    assert [(row.label, row.percent, row.bar, row.y) for row in chart.rows] == [
        ("NAT", 75, 240, 0),
        ("Hashing", None, 0, 36),
        ("Drill: Add a table", 100, 320, 72),
    ]
    assert (chart.answers, chart.recalled) == (6, 5)


@pytest.mark.django_db
def test_the_progress_page_draws_accessible_svg(client, bank):
    client.post("/quiz/answer/", ask(client, "nat-cgnat").right_answer())
    client.post("/quiz/answer/", ask(client, "nat-balance-factor").wrong_answer())
    html = client.get("/quiz/progress/").content.decode()
    assert html.count('role="img"') == 2
    assert 'aria-labelledby="heatmap-title heatmap-desc"' in html
    assert (
        '<title id="retention-svg-title">Retention per topic and drill type, last 30 days</title>'
        in html
    )
    assert "You studied on 1 day of the last" in html
    assert 'data-days-studied="1"' in html
    assert 'data-count="2"' in html
    assert 'data-topic="NAT, proxies and hot spots" data-recalled="1" data-answers="2"' in html
    assert "NAT, proxies and hot spots: 1 of 2 recalled, 50%." in html
    assert "<script" not in html.split("<main", 1)[1].split("</main>", 1)[0]
    assert ' style="' not in html
