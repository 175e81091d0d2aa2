"""The one dispatcher: a message read, its role checked, the host asked, the effect run."""

from __future__ import annotations

import json

import pytest

from lbteach.live.actions import Action, ActionTable, Sender
from lbteach.live.commands import BadCommand, Command, int_field

DRIVER, WATCHER = Sender("driver"), Sender("watcher")


class Counter:
    """A room of one number, and the host holding it: what a client's host offers."""

    def __init__(self) -> None:
        self.value = 0
        self.closed = False
        self.pushed: list[str] = []
        self.kept: list[int] = []

    def admit(self, command: Command, sender: Sender) -> None:
        if self.closed:
            raise BadCommand("Closed.")

    def apply(self, command: Command, sender: Sender) -> str:
        return TABLE.run(self, command, sender)

    async def changed(self, command: Command) -> None:
        self.pushed.append(command.action)


def add(room: Counter, params: dict, sender: Sender) -> str:
    room.value += params["by"]
    return f"Now {room.value}."


async def keep(host: Counter, params: dict, sender: Sender) -> str:
    host.kept.append(host.value)
    return ""


async def double(host: Counter, params: dict, sender: Sender) -> str:
    host.value *= 2
    return "Doubled."


def refuse(room: Counter, params: dict, sender: Sender) -> str:
    raise BadCommand("Not now.")


TABLE = ActionTable(
    {
        action.name: action
        for action in [
            Action(
                "add",
                frozenset({"driver"}),
                lambda data: {"by": int_field(data, "by", 1, 5)},
                run=add,
                keep=keep,
                label="Add",
            ),
            Action("double", frozenset({"driver"}), run_async=double),
            Action("refuse", frozenset({"driver"}), run=refuse),
            Action("look", frozenset({"driver", "watcher"}), run=lambda r, p, s: "", pushes=False),
        ]
    }
)


def message(**fields: object) -> str:
    return json.dumps(fields)


async def test_a_sync_effect_runs_is_kept_and_pushes_once():
    counter = Counter()
    reply = await TABLE.dispatch(counter, message(action="add", by=3), DRIVER)
    assert (reply.message, reply.error) == ("Now 3.", False)
    assert (counter.value, counter.kept, counter.pushed) == (3, [3], ["add"])


async def test_an_async_effect_is_awaited_on_the_host():
    counter = Counter()
    counter.value = 4
    reply = await TABLE.dispatch(counter, message(action="double"), DRIVER)
    assert (reply.message, counter.value, counter.pushed) == ("Doubled.", 8, ["double"])


async def test_an_action_that_pushes_nothing_replies_with_its_sentence_alone():
    counter = Counter()
    reply = await TABLE.dispatch(counter, message(action="look"), WATCHER)
    assert (reply.message, reply.error, counter.pushed) == ("", False, [])


async def test_a_role_that_may_not_send_an_action_hears_it_is_unknown_and_nothing_changes():
    counter = Counter()
    reply = await TABLE.dispatch(counter, message(action="add", by=1), WATCHER)
    assert (reply.message, reply.error) == (
        "Unknown action 'add'. Use one of the room's buttons.",
        True,
    )
    assert (counter.value, counter.pushed) == (0, [])


async def test_the_host_or_the_effect_may_refuse_and_nothing_is_pushed():
    counter = Counter()
    reply = await TABLE.dispatch(counter, message(action="refuse"), DRIVER)
    assert (reply.message, reply.error) == ("Not now.", True)
    counter.closed = True
    reply = await TABLE.dispatch(counter, message(action="add", by=2), DRIVER)
    assert (reply.message, reply.error, counter.value, counter.pushed) == ("Closed.", True, 0, [])


async def test_a_bad_field_is_refused_before_the_host_sees_it():
    counter = Counter()
    counter.closed = True  # the host would say "Closed." had it been asked
    reply = await TABLE.dispatch(counter, message(action="add", by=9), DRIVER)
    assert (reply.message, reply.error) == ("“by” must be from 1 to 5; 9 is out of range.", True)
    assert counter.value == 0


def test_run_refuses_an_action_without_a_synchronous_effect():
    with pytest.raises(BadCommand, match=r"^“double” is not something this room does\.$"):
        TABLE.run(Counter(), Command("double"), DRIVER)


def test_the_table_lists_each_buttons_label_once():
    assert TABLE.labels() == {"add": "Add"}
    assert [action.name for action in TABLE] == ["add", "double", "refuse", "look"]
