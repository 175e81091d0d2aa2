"""Lesson plans for teachers: TOML files, one plan a file, each a list of steps.

A step carries the teacher's notes (what to say, what to ask), the room set-up it applies as
the very websocket commands the teacher page sends (`{action = "set_balancer", balancer =
"source_ip"}`), what students are asked to do on their phones (`activity`), the claims its
notes make about what the room will show, as data the engine checks (`expect`, see
`lbteach.classroom.rehearsal`), and optionally a bank question. A step whose students are
busy on their phones never pushes its question by itself: the teacher presses "Ask now" once
the activity is over, so the question never covers the buttons. A file is named
`NN-slug.toml`; NN gives the order.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lbteach.classroom.actions import CLASS_ACTIONS, QUIZ_SECONDS, STUDENT_ACTIONS
from lbteach.classroom.room import TEACHER
from lbteach.live.commands import BadCommand
from lbteach.sim import BALANCERS

PLANS_DIR = Path(__file__).resolve().parent / "plans"
FILE_NAME = re.compile(r"^(?P<order>\d{2})-(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)\.toml$")
# What a step may do to the room: the teacher's controls, not leaving or ending the class.
STEP_ACTIONS = CLASS_ACTIONS.names(TEACHER) - {"end_class", "snapshot", "push_question"}


# What an expectation may measure (`lbteach.classroom.rehearsal` says how each is measured).
MEASURES = frozenset(
    {
        "tile:cart_breaks",
        "tile:switch_breaks",
        "tile:carts_lost",
        "tile:imbalance",
        "tile:sticky_ratio",
        "step:cart_breaks",
        "step:students_broken",
        "step:moved",
    }
)
BOUNDS = ("is", "at_least", "at_most")


class PlanError(ValueError):
    """A plan file that cannot be used, with the file and the reason."""


@dataclass(frozen=True)
class Expectation:
    """A claim a step's notes make about the room, as the engine can check it: `measure` is
    one of MEASURES, bounded by `is`, `at_least` and/or `at_most`; `says` is the words of the
    notes it backs (they must appear in the notes)."""

    measure: str
    says: str
    exactly: float | None = None
    at_least: float | None = None
    at_most: float | None = None

    def holds(self, value: float) -> bool:
        if self.exactly is not None and value != self.exactly:
            return False
        if self.at_least is not None and value < self.at_least:
            return False
        return self.at_most is None or value <= self.at_most

    @property
    def wanted(self) -> str:
        if self.exactly is not None:
            return f"= {self.exactly:g}"
        parts = []
        if self.at_least is not None:
            parts.append(f">= {self.at_least:g}")
        if self.at_most is not None:
            parts.append(f"<= {self.at_most:g}")
        return " and ".join(parts)


@dataclass(frozen=True)
class Step:
    title: str
    minutes: int
    notes: tuple[str, ...]
    ask: str
    commands: tuple[dict, ...]
    question: str
    seconds: int
    activity: tuple[str, ...] = ()
    expect: tuple[Expectation, ...] = ()

    @property
    def push_command(self) -> dict | None:
        if not self.question:
            return None
        return {"action": "push_question", "question": self.question, "seconds": self.seconds}

    @property
    def asks_later(self) -> bool:
        """Whether the question waits for "Ask now": students have something to do first."""
        return bool(self.question and self.activity)

    @property
    def all_commands(self) -> tuple[dict, ...]:
        """What "Run step" sends: the set-up, then the question (last, once the room is
        ready) unless the students have an activity first; a step with an activity first
        closes any question still open."""
        push = self.push_command
        # An earlier step's question still on the phones would cover their buttons.
        close = ({"action": "close_question"},) if self.activity else ()
        return close + self.commands + ((push,) if push and not self.asks_later else ())

    @property
    def ask_json(self) -> str:
        return json.dumps(self.push_command) if self.asks_later else ""

    @property
    def commands_json(self) -> str:
        return json.dumps(list(self.all_commands))

    @property
    def setup(self) -> list[str]:
        """What the step does to the room, in words, for the teacher to read before pressing."""
        said = [describe(command) for command in self.all_commands]
        if self.asks_later:
            said.append(f"the question waits for “Ask now” ({self.seconds} s)")
        return said


@dataclass(frozen=True)
class Plan:
    slug: str
    order: int
    title: str
    minutes: int
    summary: str
    steps: tuple[Step, ...]


def _expectation(raw: object, where: str) -> Expectation:
    if not isinstance(raw, dict) or raw.get("measure") not in MEASURES:
        raise PlanError(f"{where}: an expectation needs a measure, one of {sorted(MEASURES)}")
    if not raw.get("says") or not any(bound in raw for bound in BOUNDS):
        raise PlanError(f"{where}: an expectation needs 'says' and one of {BOUNDS}")
    bounds = {bound: raw.get(bound) for bound in BOUNDS}
    if not all(v is None or isinstance(v, int | float) for v in bounds.values()):
        raise PlanError(f"{where}: bounds are numbers")
    return Expectation(
        measure=raw["measure"],
        says=str(raw["says"]),
        exactly=bounds["is"],
        at_least=bounds["at_least"],
        at_most=bounds["at_most"],
    )


def _step(raw: dict, where: str) -> Step:
    for name in ("title", "notes"):
        if not raw.get(name):
            raise PlanError(f"{where}: a step needs {name!r}")
    notes = raw["notes"]
    activity = tuple(str(a) for a in raw.get("activity", ()))
    unknown = [a for a in activity if a not in STUDENT_ACTIONS]
    if unknown:
        raise PlanError(f"{where}: {unknown[0]!r} is not a phone's button {STUDENT_ACTIONS}")
    return Step(
        title=str(raw["title"]),
        minutes=int(raw.get("minutes", 2)),
        notes=tuple(p.strip() for p in str(notes).strip().split("\n\n") if p.strip()),
        ask=str(raw.get("ask", "")),
        commands=tuple(dict(c) for c in raw.get("commands", ())),
        question=str(raw.get("question", "")),
        seconds=int(raw.get("seconds", 30)),
        activity=activity,
        expect=tuple(_expectation(e, where) for e in raw.get("expect", ())),
    )


def read_plan(path: Path) -> Plan:
    match = FILE_NAME.match(path.name)
    if not match:
        raise PlanError(f"{path.name}: plan files are named NN-slug.toml")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise PlanError(f"{path.name}: {error}") from None
    for name in ("title", "minutes", "summary", "steps"):
        if not data.get(name):
            raise PlanError(f"{path.name}: missing {name!r}")
    steps = tuple(
        _step(raw, f"{path.name} step {n}") for n, raw in enumerate(data["steps"], start=1)
    )
    return Plan(
        slug=match["slug"],
        order=int(match["order"]),
        title=str(data["title"]),
        minutes=int(data["minutes"]),
        summary=str(data["summary"]),
        steps=steps,
    )


@cache
def _load(directory: Path) -> tuple[Plan, ...]:
    plans = [read_plan(path) for path in sorted(directory.glob("*.toml"))]
    return tuple(sorted(plans, key=lambda p: p.order))


def all_plans(directory: Path = PLANS_DIR) -> tuple[Plan, ...]:
    return _load(directory)


def get_plan(slug: str, directory: Path = PLANS_DIR) -> Plan | None:
    return next((p for p in all_plans(directory) if p.slug == slug), None)


def problems(plan: Plan, question_exists: Callable[[str], bool]) -> list[str]:
    """Everything in a plan the teacher page could not do, in words (empty when it is fine)."""
    found = []
    for number, step in enumerate(plan.steps, start=1):
        where = f"{plan.slug} step {number} ({step.title})"
        for command in step.commands:
            action = command.get("action")
            if action not in STEP_ACTIONS:
                found.append(f"{where}: {action!r} is not a teacher's room command")
                continue
            try:
                CLASS_ACTIONS.parse(json.dumps(command), TEACHER)
            except BadCommand as error:
                found.append(f"{where}: {command}: {error}")
            if action == "set_balancer" and command.get("balancer") not in BALANCERS:
                found.append(f"{where}: no balancer {command.get('balancer')!r}")
        said = " ".join(step.notes)
        for expectation in step.expect:
            if expectation.says not in said:
                found.append(f"{where}: the notes do not say {expectation.says!r}")
        if step.question and not question_exists(step.question):
            found.append(f"{where}: no question {step.question!r} in the bank")
        if not QUIZ_SECONDS[0] <= step.seconds <= QUIZ_SECONDS[1]:
            found.append(f"{where}: seconds must be from {QUIZ_SECONDS[0]} to {QUIZ_SECONDS[1]}")
    return found


def describe(command: dict) -> str:
    action = command.get("action", "")
    if action == "set_balancer":
        balancer = BALANCERS.get(command.get("balancer", ""))
        return f"balancer: {balancer.title if balancer else command.get('balancer')}"
    if action == "shared_sessions":
        on = str(command.get("shared_sessions", "")).lower() in {"on", "true", "1", "yes"}
        return f"shared session store {'on' if on else 'off'}"
    if action in ("add_bots", "add_customers"):
        return f"{command.get('count', 10)} bots join"
    if action in ("crash_table", "remove_table", "restore_table"):
        table = command.get("server")
        return action.replace("_", " ") + (f" {table}" if table else "")
    if action == "push_question":
        return f"question sent ({command.get('seconds', 30)} s)"
    if action == "leaderboard":
        return "leaderboard shown" if command.get("show") == "on" else "leaderboard hidden"
    if action == "speed":
        return f"speed {command.get('speed')}"
    return {"change_ip": "every customer's IP changes", "expire_sessions": "sessions expire"}.get(
        action, action.replace("_", " ")
    )


def total_minutes(steps: Iterable[Step]) -> int:
    return sum(step.minutes for step in steps)
