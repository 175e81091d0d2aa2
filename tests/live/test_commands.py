"""The action table: which roles may send what, and the checks on each message's fields."""

from __future__ import annotations

import json

import pytest

from lbteach.classroom.actions import CLASS_ACTIONS
from lbteach.lab.actions import LAB_ACTIONS
from lbteach.live.actions import LAB, PROJECTOR, STUDENT, TEACHER
from lbteach.live.commands import MAX_JSON_DEPTH, MAX_MESSAGE_BYTES, BadCommand, Command
from lbteach.live.ratelimit import TokenBucket


def parse_command(text: str | None, role: str = LAB) -> Command:
    return LAB_ACTIONS.parse(text, role)


def message(**fields) -> str:
    return json.dumps(fields)


def test_a_ws_send_form_becomes_a_command_without_its_headers():
    text = message(action="add_customers", count="25", HEADERS={"HX-Request": "true"})
    assert parse_command(text) == Command("add_customers", {"count": 25})


def test_fields_are_checked_and_normalised():
    assert parse_command(message(action="speed", speed=" 7 ")) == Command("speed", {"speed": 7})
    assert parse_command(message(action="crash_table", server="b")) == Command(
        "crash_table", {"server": "B"}
    )
    assert parse_command(message(action="crash_table", server="")) == Command(
        "crash_table", {"server": None}
    )
    assert parse_command(message(action="shared_sessions", shared_sessions="on")) == Command(
        "shared_sessions", {"shared_sessions": True}
    )
    # An unticked checkbox sends nothing: the store is switched off.
    assert parse_command(message(action="shared_sessions")) == Command(
        "shared_sessions", {"shared_sessions": False}
    )


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (None, "JSON text, not binary"),
        ("not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        (message(count=3), "Unknown action 'nothing'"),
        (message(action="launch_missiles"), "Unknown action 'launch_missiles'"),
        (message(action="add_customers", count=0), "from 1 to 200; 0 is out of range"),
        (message(action="add_customers", count=10_000), "10000 is out of range"),
        (message(action="add_customers", count="ten"), "whole number from 1 to 200, not 'ten'"),
        (message(action="speed"), "“speed” is missing"),
        (message(action="speed", speed=11), "from 1 to 10; 11 is out of range"),
        (message(action="crash_table", server="AB"), "table name such as A or B, not 'AB'"),
        (message(action="crash_table", server="7"), "not '7'"),
        (message(action="set_balancer"), "“balancer” is missing"),
        ("x" * (MAX_MESSAGE_BYTES + 1), "over 16 KiB"),
        ("[" * 3000 + "]" * 3000, f"nests deeper than {MAX_JSON_DEPTH} levels"),
        (message(action="reattach", room="../../etc"), "not a room this page can return to"),
    ],
)
def test_bad_messages_say_what_was_wrong(text, says):
    with pytest.raises(BadCommand) as error:
        parse_command(text)
    assert says in str(error.value)


def test_brackets_inside_strings_do_not_count_as_nesting():
    text = message(action="set_balancer", balancer="[[[[" * 10)
    assert parse_command(text).params == {"balancer": ("[[[[" * 10)[:40]}


@pytest.mark.parametrize(
    ("role", "action"),
    [
        (STUDENT, "reset"),
        (STUDENT, "push_question"),
        (PROJECTOR, "add_to_cart"),
        (PROJECTOR, "crash_table"),
        (TEACHER, "answer"),
        (TEACHER, "reattach"),  # a class has no private run to return to
        (LAB, "end_class"),
    ],
)
def test_a_role_cannot_send_another_roles_action_and_learns_nothing(role, action):
    table = LAB_ACTIONS if role == LAB else CLASS_ACTIONS
    with pytest.raises(BadCommand, match=f"Unknown action '{action}'"):
        table.parse(message(action=action), role)


def test_each_role_may_send_exactly_its_actions():
    events = {"change_ip", "clear_cookies", "expire_sessions"}
    tables = {"add_table", "remove_table", "crash_table", "restore_table"}
    running = {"add_customers", "speed", "pause", "resume", "step", "reset", "snapshot"}
    switches = {"set_balancer", "shared_sessions"}
    lab = running | switches | events | tables
    assert LAB_ACTIONS.names(LAB) == lab | {"reattach"}
    assert CLASS_ACTIONS.names(TEACHER) == lab | {
        "add_bots",
        "push_question",
        "reveal_question",
        "close_question",
        "leaderboard",
        "end_class",
    }
    assert CLASS_ACTIONS.names(STUDENT) == {
        "add_to_cart",
        "switch_network",
        "clear_my_cookies",
        "checkout",
        "answer",
        "snapshot",
    }
    assert CLASS_ACTIONS.names(PROJECTOR) == {"snapshot"}


def test_the_replay_log_holds_exactly_the_actions_that_change_the_run():
    logged = {name for name in LAB_ACTIONS.names(LAB) if LAB_ACTIONS[name].logged}
    assert logged == {
        "add_customers",
        "set_balancer",
        "shared_sessions",
        "change_ip",
        "clear_cookies",
        "expire_sessions",
        "add_table",
        "remove_table",
        "crash_table",
        "restore_table",
    }


def test_token_bucket_allows_a_burst_then_refills_at_its_rate():
    now = [100.0]
    bucket = TokenBucket(rate=2, burst=3, clock=lambda: now[0])
    assert [bucket.allow() for _ in range(4)] == [True, True, True, False]
    now[0] += 0.5  # one token back at 2 per second
    assert [bucket.allow(), bucket.allow()] == [True, False]
    now[0] += 60
    assert sum(bucket.allow() for _ in range(10)) == 3
