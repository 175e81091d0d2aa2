"""The figures of the progress page, laid out here and drawn as SVG by its template.

A calendar heatmap of the days studied (one square per UTC day, a column per week, Monday
at the top) and a retention bar per topic and per drill type. Only numbers are computed
here: positions, sizes and colour levels; the markup lives in `quiz/progress.html`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

WEEKS = 26
CELL = 12
STEP = 14  # a cell and its gap
LEFT = 30  # room for the weekday labels
TOP = 18  # room for the month labels
LEVELS = (0, 1, 3, 6, 10)  # answers a day needs for colour levels 0..4

RETENTION_DAYS = 30
BAR_WIDTH = 320  # each row: its label and figure on one line, the bar under them
ROW = 36


@dataclass(frozen=True)
class HeatCell:
    x: int
    y: int
    day: date
    count: int
    level: int


@dataclass(frozen=True)
class Heatmap:
    cells: tuple[HeatCell, ...]
    months: tuple[tuple[int, str], ...]
    weekdays: tuple[tuple[int, str], ...]
    width: int
    height: int
    first: date
    last: date
    days_studied: int
    answers: int
    busiest: HeatCell | None


def level(count: int) -> int:
    return max(index for index, floor in enumerate(LEVELS) if count >= floor)


def heatmap(per_day: Mapping[date, int], today: date, weeks: int = WEEKS) -> Heatmap:
    """The last `weeks` weeks up to today; `per_day` counts answers per UTC day."""
    first = today - timedelta(days=today.weekday(), weeks=weeks - 1)
    cells = []
    months = []
    day = first
    while day <= today:
        column = (day - first).days // 7
        row = day.weekday()
        if (day.day <= 7 and row == 0) or day == first:
            months.append((LEFT + column * STEP, day.strftime("%b")))
        count = per_day.get(day, 0)
        cells.append(HeatCell(LEFT + column * STEP, TOP + row * STEP, day, count, level(count)))
        day += timedelta(days=1)
    studied = [cell for cell in cells if cell.count]
    busiest = max(studied, key=lambda cell: (cell.count, cell.day), default=None)
    return Heatmap(
        cells=tuple(cells),
        # A month label needs two columns of room; the first one gives way to the second.
        months=tuple(
            m
            for i, m in enumerate(months)
            if i + 1 >= len(months) or months[i + 1][0] - m[0] >= 2 * STEP
        ),
        weekdays=(
            (TOP + 0 * STEP + CELL - 2, "Mon"),
            (TOP + 2 * STEP + CELL - 2, "Wed"),
            (TOP + 4 * STEP + CELL - 2, "Fri"),
        ),
        width=LEFT + weeks * STEP,
        height=TOP + 7 * STEP,
        first=first,
        last=today,
        days_studied=len(studied),
        answers=sum(cell.count for cell in cells),
        busiest=busiest,
    )


@dataclass(frozen=True)
class RetentionRow:
    label: str
    answers: int
    recalled: int
    y: int
    bar: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.recalled / self.answers) if self.answers else None


@dataclass(frozen=True)
class Retention:
    rows: tuple[RetentionRow, ...]
    width: int
    height: int
    days: int

    @property
    def answers(self) -> int:
        return sum(row.answers for row in self.rows)

    @property
    def recalled(self) -> int:
        return sum(row.recalled for row in self.rows)


def retention(tallies: Iterable[tuple[str, int, int]], days: int = RETENTION_DAYS) -> Retention:
    """One bar per (label, answers, recalled): the share of answers recalled, in `days` days."""
    rows = tuple(
        RetentionRow(
            label,
            answers,
            recalled,
            index * ROW,
            round(BAR_WIDTH * recalled / answers) if answers else 0,
        )
        for index, (label, answers, recalled) in enumerate(tallies)
    )
    return Retention(rows, BAR_WIDTH, len(rows) * ROW, days)
