"""The allow-list of viewer commands and the checks on their fields."""

from __future__ import annotations

import json

import pytest

from lbteach.lab.commands import MAX_MESSAGE_BYTES, BadCommand, Command, parse_command
from lbteach.lab.ratelimit import TokenBucket


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
    ],
)
def test_bad_messages_say_what_was_wrong(text, says):
    with pytest.raises(BadCommand) as error:
        parse_command(text)
    assert says in str(error.value)


def test_a_room_can_narrow_the_allowed_actions():
    with pytest.raises(BadCommand, match="Unknown action 'reset'"):
        parse_command(message(action="reset"), allowed=frozenset({"add_customers"}))


def test_token_bucket_allows_a_burst_then_refills_at_its_rate():
    now = [100.0]
    bucket = TokenBucket(rate=2, burst=3, clock=lambda: now[0])
    assert [bucket.allow() for _ in range(4)] == [True, True, True, False]
    now[0] += 0.5  # one token back at 2 per second
    assert [bucket.allow(), bucket.allow()] == [True, False]
    now[0] += 60
    assert sum(bucket.allow() for _ in range(10)) == 3
