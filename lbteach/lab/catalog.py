"""Words the lab shows about balancers and presets: groups for the picker, a preset's story."""

from __future__ import annotations

from lbteach.sim import BALANCERS, PRESETS

# What a learner should press to replay a preset's scheduled events in the live lab.
BUTTON_FOR_EVENT = {
    "change_ip": "Change IPs",
    "clear_cookies": "Clear cookies",
    "expire_sessions": "Expire sessions",
    "add_server": "Add table",
    "remove_server": "Remove table",
    "crash_server": "Crash table",
    "restore_server": "Restore table",
    "set_balancer": "the balancer picker",
    "spike": "Add customers",
}


def balancer_groups() -> list[tuple[str, list]]:
    groups: dict[str, list] = {"Stateless": [], "Stateful": []}
    for info in BALANCERS.values():
        groups["Stateless" if info.kind == "stateless" else "Stateful"].append(info)
    return list(groups.items())


def preset_story(name: str) -> list[str]:
    """The preset's scheduled events, told as buttons to press in order."""
    steps = []
    for event in PRESETS[name].scenario.get("events", []):
        button = BUTTON_FOR_EVENT.get(event.get("do"), event.get("do"))
        target = f" (table {event['server']})" if event.get("server") else ""
        steps.append(f"Press “{button}”{target}.")
    return steps
