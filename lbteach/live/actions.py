"""What a live room can be asked to do: roles, `Action`, `ActionTable`, and the one dispatcher.

A client declares its actions once, as `Action` entries of an `ActionTable`: the name, the
roles that may send it, how its message's fields are parsed, its effect, whether a share
link's log records it, and the label and one-line description its button shows. Nothing
else lists actions: buttons, presets, replays and tests read the table. A bigger room extends
a table (`table.extended([...])`); a role that may not send an action cannot tell it from an
unknown one.

An effect is either `run(room, params, sender) -> str`, plain synchronous state (what a
replay and the tests call, through `ActionTable.run`), or `run_async(host, params, sender)`,
awaited on the room's host when it must reach the database; `keep(host, params, sender)`
records what a `run` did. Either returns the sentence for the sender's status line, or
raises `BadCommand` with the sentence saying why not.

How a client dispatches: its host (the lab's session, a class's home) offers the small
`Host` protocol below, and its consumer calls

    reply = await TABLE.dispatch(host, text, sender)

which reads the message, checks that the sender's role may send it, lets the host refuse it
(`admit`: a class that ended), carries it out (`host.apply` for a `run`, which calls
`TABLE.run`; or awaits `run_async`, then `keep`), tells the host when the room changed
(`changed`: push a frame, mark it for saving), and returns the `Reply` for the sender. A
bad message changes nothing and comes back as an error reply. This module imports no
client: effects are typed on the room as `Any`, and the host is a Protocol.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from lbteach.live.commands import BadCommand, Command, read_message
from lbteach.live.consumers import Reply

# Who sends a message: a private lab's own page, or one of a class's screens.
LAB, TEACHER, PROJECTOR, STUDENT = "lab", "teacher", "projector", "student"
DRIVERS = frozenset({LAB, TEACHER})  # the screens that drive the restaurant
EVERYONE = frozenset({LAB, TEACHER, PROJECTOR, STUDENT})
NOBODY: frozenset[str] = frozenset()  # an action only a replay log holds


@dataclass(frozen=True)
class Sender:
    """Who sent a command: their role, and for a student their id."""

    role: str
    student: int | None = None


Params = dict[str, Any]
Effect = Callable[[Any, Params, Sender], str]  # on the room
AsyncEffect = Callable[[Any, Params, Sender], Awaitable[str]]  # on the room's host


def no_fields(data: dict) -> Params:
    return {}


@dataclass(frozen=True)
class Action:
    """One thing a viewer may ask for, declared once.

    `run` changes the room and returns the sentence for the sender's status line; an action
    that must also reach the database (a class answer, say) has `run_async` instead, awaited
    on the room's host; `keep` records in the database what a `run` did. `log` names the
    param a share link records (`""` for an action without one); `None` keeps the action
    out of the replay log. `label` is its button's words, `description` one line on what it
    does; an action without a button has neither.
    """

    name: str
    roles: frozenset[str]
    parse: Callable[[dict], Params] = no_fields
    run: Effect | None = None
    run_async: AsyncEffect | None = None
    keep: AsyncEffect | None = None  # what the database keeps of it, once `run` has run
    log: str | None = None
    pushes: bool = True  # whether the room pushes a frame after it
    label: str = ""
    description: str = ""

    @property
    def logged(self) -> bool:
        return self.log is not None


class Host(Protocol):
    """What `ActionTable.dispatch` needs of whoever holds the room it acts on."""

    def admit(self, command: Command, sender: Sender) -> None:
        """Raise BadCommand to refuse a checked command before it runs (a class that ended)."""

    def apply(self, command: Command, sender: Sender) -> str:
        """Carry out a command whose effect is `run` on the room (through `ActionTable.run`)."""
        ...

    async def changed(self, command: Command) -> None:
        """The room changed: push its frame, and see that it is saved."""


@dataclass(frozen=True)
class ActionTable:
    """Actions by name, with the one way to turn a message into a checked Command and the
    one dispatcher that carries it out."""

    actions: Mapping[str, Action] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Action:
        return self.actions[name]

    def __contains__(self, name: object) -> bool:
        return name in self.actions

    def __iter__(self) -> Iterator[Action]:
        return iter(self.actions.values())

    def names(self, role: str) -> frozenset[str]:
        return frozenset(name for name, action in self.actions.items() if role in action.roles)

    def labels(self) -> dict[str, str]:
        """Each button's words, by its action's name."""
        return {action.name: action.label for action in self if action.label}

    def extended(self, more: Iterable[Action]) -> ActionTable:
        return ActionTable({**self.actions, **{action.name: action for action in more}})

    def parse(self, text: str | None, role: str) -> Command:
        """Turn one websocket message into a checked Command this role may send, or raise.

        An action the role may not send is reported exactly like an unknown one: a student
        learns nothing about the teacher's controls by probing.
        """
        data = read_message(text)
        name = data.get("action")
        action = self.actions.get(name) if isinstance(name, str) else None
        if action is None or role not in action.roles:
            shown = str(name)[:30] if name is not None else "nothing"
            raise BadCommand(f"Unknown action {shown!r}. Use one of the room's buttons.")
        return Command(action.name, action.parse(data))

    def run(self, room: object, command: Command, sender: Sender) -> str:
        """Carry out a checked command's synchronous effect on the room."""
        action = self.actions[command.action]
        if action.run is None:
            raise BadCommand(f"“{command.action}” is not something this room does.")
        return action.run(room, command.params, sender)

    async def dispatch(self, host: Host, text: str | None, sender: Sender) -> Reply:
        """Read, check, carry out one message; return what the sender is told.

        An action that pushes no frame replies with its sentence alone; an empty one means
        "send the sender a snapshot" (`RoomConsumer.answer`).
        """
        try:
            command = self.parse(text, sender.role)
            action = self.actions[command.action]
            host.admit(command, sender)
            if action.run_async is not None:
                message = await action.run_async(host, command.params, sender)
            else:
                message = host.apply(command, sender)
                if action.keep is not None:
                    await action.keep(host, command.params, sender)
        except BadCommand as error:
            return Reply(str(error), error=True)
        if action.pushes:
            await host.changed(command)
        return Reply(message)

    def from_log(self, name: str, value: str | None) -> Command:
        """A Command from one share-link entry, checked by the action's own parser."""
        action = self.actions.get(name)
        if action is None or action.log is None:
            raise BadCommand(f"A shared link cannot replay {name[:30]!r}.")
        if value is not None and not action.log:
            raise BadCommand(f"“{name}” takes no value in a shared link.")
        data = {action.log: value} if action.log and value is not None else {}
        return Command(action.name, action.parse(data))

    def log_value(self, command: Command) -> str | None:
        """The value a share link records for this command (booleans as 0/1)."""
        action = self.actions[command.action]
        if not action.log:
            return None
        value = command.params.get(action.log)
        if value is None:
            return None
        if isinstance(value, bool):
            return "1" if value else "0"
        return str(value)
