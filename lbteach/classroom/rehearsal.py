"""A lesson plan rehearsed in the engine: bots stand in for students, each step runs as the
teacher page would run it, and every claim a step makes (`expect`) is measured on what the
projector then shows.

Used by the tests (every step of every shipped plan) and by `manage.py rehearse_plans`, so a
teacher or an author can see the figures each step leads to.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field

from django.template.loader import get_template

from lbteach.classroom.actions import CLASS_ACTIONS
from lbteach.classroom.lesson_plans import Expectation, Plan, Step
from lbteach.classroom.room import TEACHER, ClassRoom
from lbteach.lab.frames import room_context
from lbteach.live.actions import Sender

STUDENTS = 12
# How often the restaurant ticks between two students' taps, and its ticks after the activity.
TICK_CHANCE = 0.3
SETTLE_TICKS = 10
TILE = re.compile(r'data-metric="(?P<name>[a-z_0-9]+)">(?P<value>[^<]*)<')
TEACHER_SENDER = Sender(TEACHER)


@dataclass(frozen=True)
class Check:
    expectation: Expectation
    value: float

    @property
    def holds(self) -> bool:
        return self.expectation.holds(self.value)

    def __str__(self) -> str:
        e = self.expectation
        verdict = "holds" if self.holds else "FAILS"
        return f"{e.measure} = {self.value:g} (wanted {e.wanted}: {e.says!r}) {verdict}"


@dataclass
class StepRun:
    number: int
    step: Step
    tiles: dict[str, str]  # what the projector's metric tiles read after the step
    measured: dict[str, float]
    checks: list[Check] = field(default_factory=list)

    @property
    def failures(self) -> list[Check]:
        return [check for check in self.checks if not check.holds]


def projector_tiles(room: ClassRoom) -> dict[str, str]:
    """The metric tiles as the projector renders them: the frame's own partial."""
    context = room_context(room)
    html = get_template("lab/live.html#metrics").render(
        {**context, "r": context["restaurants"][0], "hx_oob": False}
    )
    return {m["name"]: m["value"].strip() for m in TILE.finditer(html)}


def number(text: str) -> float:
    return float(text.rstrip("%").replace(",", "")) if text else 0.0


def _tables(room: ClassRoom) -> dict[int, str | None]:
    return {c["id"]: c["last_table"] for c in room.sim.view()["clients"]}


def _total_breaks(room: ClassRoom) -> int:
    return room.sim.view()["totals"]["cart_breaks"]


def run_step(
    room: ClassRoom, step: Step, students: list[int], rng: random.Random
) -> dict[str, float]:
    """Run one step as the teacher page does (its set-up; a question changes no table), then
    the students' activity, with the restaurant ticking; what it measured."""
    before_tables = _tables(room)
    before_breaks = _total_breaks(room)
    for command in step.commands:
        parsed = CLASS_ACTIONS.parse(json.dumps(command), TEACHER)
        if CLASS_ACTIONS[parsed.action].run is not None:
            room.apply(parsed, TEACHER_SENDER)
    broken: set[int] = set()
    for tap in step.activity:
        # Students tap in no fixed order, and the restaurant goes on between their taps: in
        # lockstep, a round-robin host would seat each of them at the same table every round.
        for student in rng.sample(students, len(students)):
            room.student_action(student, tap)
            if room.seats[student].broken:
                broken.add(student)
            if rng.random() < TICK_CHANCE:
                room.tick()
    for _ in range(SETTLE_TICKS):
        room.tick()
    after_tables = _tables(room)
    seated_before = [c for c, table in before_tables.items() if table is not None]
    moved = [c for c in seated_before if after_tables.get(c) != before_tables[c]]
    tiles = projector_tiles(room)
    measured = {f"tile:{name}": number(value) for name, value in tiles.items()}
    measured["tile:switch_breaks"] = measured.get("tile:switch_breaks", 0.0)
    measured["step:cart_breaks"] = _total_breaks(room) - before_breaks
    measured["step:students_broken"] = round(len(broken) / len(students), 3) if students else 0
    measured["step:moved"] = round(len(moved) / len(seated_before), 3) if seated_before else 0
    return measured


def rehearse(plan: Plan, students: int = STUDENTS, seed: int = 42) -> list[StepRun]:
    """Every step of a plan, in order, in one class of `students` bots."""
    room = ClassRoom("REHRSL", seed=seed)
    rng = random.Random(seed)
    ids = list(range(1, students + 1))
    for student in ids:
        room.seat(student, f"Student {student}")
    runs = []
    for number_, step in enumerate(plan.steps, start=1):
        measured = run_step(room, step, ids, rng)
        run = StepRun(number_, step, projector_tiles(room), measured)
        run.checks = [Check(e, measured[e.measure]) for e in step.expect]
        runs.append(run)
    return runs
