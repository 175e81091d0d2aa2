"""Lesson plans for teachers: TOML files, one plan a file, each a list of steps.

A step carries the teacher's notes (what to say, what to ask), the room set-up it applies as
the very websocket commands the teacher page sends (`{action = "set_balancer", balancer =
"source_ip"}`), and optionally a bank question to push. A file is named `NN-slug.toml`;
NN gives the order.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lbteach.classroom.actions import CLASS_ACTIONS, QUIZ_SECONDS
from lbteach.classroom.room import TEACHER
from lbteach.lab.commands import BadCommand
from lbteach.sim import BALANCERS

PLANS_DIR = Path(__file__).resolve().parent / "plans"
FILE_NAME = re.compile(r"^(?P<order>\d{2})-(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)\.toml$")
# What a step may do to the room: the teacher's controls, not leaving or ending the class.
STEP_ACTIONS = CLASS_ACTIONS.names(TEACHER) - {"end_class", "snapshot", "push_question"}


class PlanError(ValueError):
    """A plan file that cannot be used, with the file and the reason."""


@dataclass(frozen=True)
class Step:
    title: str
    minutes: int
    notes: tuple[str, ...]
    ask: str
    commands: tuple[dict, ...]
    question: str
    seconds: int

    @property
    def all_commands(self) -> tuple[dict, ...]:
        """The step's set-up, then its question (pushed last, once the room is ready)."""
        push = (
            ({"action": "push_question", "question": self.question, "seconds": self.seconds},)
            if self.question
            else ()
        )
        return self.commands + push

    @property
    def commands_json(self) -> str:
        return json.dumps(list(self.all_commands))

    @property
    def setup(self) -> list[str]:
        """What the step does to the room, in words, for the teacher to read before pressing."""
        return [describe(command) for command in self.all_commands]


@dataclass(frozen=True)
class Plan:
    slug: str
    order: int
    title: str
    minutes: int
    summary: str
    steps: tuple[Step, ...]


def _step(raw: dict, where: str) -> Step:
    for name in ("title", "notes"):
        if not raw.get(name):
            raise PlanError(f"{where}: a step needs {name!r}")
    notes = raw["notes"]
    return Step(
        title=str(raw["title"]),
        minutes=int(raw.get("minutes", 2)),
        notes=tuple(p.strip() for p in str(notes).strip().split("\n\n") if p.strip()),
        ask=str(raw.get("ask", "")),
        commands=tuple(dict(c) for c in raw.get("commands", ())),
        question=str(raw.get("question", "")),
        seconds=int(raw.get("seconds", 30)),
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
