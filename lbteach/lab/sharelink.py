"""A lab run as a link: the setup in the query string, and the replay log with its limits.

A share link carries everything that reproduces a run: the preset, the balancers, the
seed, the store switch, the starting customers and a log of `requests.action[.value]`
entries joined by `~`. Anyone can write such a link, so decoding checks every entry
against the action table and bounds the work the link may ask for before any of it runs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from lbteach.lab.actions import LAB_ACTIONS
from lbteach.live.actions import ActionTable
from lbteach.live.commands import BadCommand, Command
from lbteach.sim import BALANCERS, PRESETS

DEFAULT_PRESET = "ecommerce_cart"
START_CUSTOMERS = 12
MAX_CUSTOMERS = 500
LOG_LIMIT = 200  # entries a run records, and a link may carry
# The most requests a link may ask to replay: about 0.6 s of work in a worker thread for one
# restaurant, 1.1 s in compare mode (measured); two hours of a lab at its default speed.
MAX_REPLAY_REQUESTS = 20_000
LOG_ENTRY = re.compile(r"^(\d{1,9})\.([a-z_]{3,20})(?:\.([A-Za-z0-9_]{1,40}))?$")
LOG_TEXT_LIMIT = LOG_LIMIT * 60


@dataclass(frozen=True)
class LabSetup:
    """Everything that, with the replay log, reproduces a run: what a share link carries."""

    scenario: str = DEFAULT_PRESET
    balancers: tuple[str, ...] = ("cookie_insert",)
    seed: int = 42
    shared_sessions: bool = False
    customers: int = START_CUSTOMERS

    @classmethod
    def from_query(cls, query: Mapping[str, str], compare: bool = False) -> LabSetup:
        """Read a setup from a page's query string, falling back to the preset's own values."""
        name = query.get("scenario", DEFAULT_PRESET)
        if name not in PRESETS:
            name = DEFAULT_PRESET
        preset_balancer = PRESETS[name].scenario.get("balancer", "round_robin")
        if compare:
            # Without left and right, the pair the scenario is about (its preset names it).
            pair_left, pair_right = PRESETS[name].compare
            left = _known_balancer(query.get("left"), pair_left)
            right = _known_balancer(query.get("right"), pair_right)
            balancers: tuple[str, ...] = (left, right)
        else:
            balancers = (_known_balancer(query.get("balancer"), preset_balancer),)
        shared_default = bool(PRESETS[name].scenario.get("shared_sessions", False))
        shared = query.get("shared")
        return cls(
            scenario=name,
            balancers=balancers,
            seed=_bounded_int(query.get("seed"), 42, 0, 2**31 - 1),
            shared_sessions=shared_default if shared is None else shared in ("1", "on", "true"),
            customers=_bounded_int(query.get("customers"), START_CUSTOMERS, 0, MAX_CUSTOMERS),
        )

    @property
    def compare(self) -> bool:
        return len(self.balancers) > 1

    def to_dict(self) -> dict:
        return {
            "scenario": self.scenario,
            "balancers": list(self.balancers),
            "seed": self.seed,
            "shared_sessions": self.shared_sessions,
            "customers": self.customers,
        }

    @classmethod
    def from_dict(cls, data: dict) -> LabSetup:
        return cls(
            scenario=data["scenario"],
            balancers=tuple(data["balancers"]),
            seed=data["seed"],
            shared_sessions=data["shared_sessions"],
            customers=data["customers"],
        )

    def query(self, log: list[str]) -> dict[str, str]:
        """The query string that reproduces a run of this setup with this log."""
        query = {"scenario": self.scenario, "seed": str(self.seed)}
        if self.compare:
            query["left"], query["right"] = self.balancers
        else:
            query["balancer"] = self.balancers[0]
        query["shared"] = "1" if self.shared_sessions else "0"
        query["customers"] = str(self.customers)
        if log:
            query["log"] = "~".join(log)
        return query


def _known_balancer(value: str | None, default: str) -> str:
    return value if value in BALANCERS else default


def _bounded_int(value: str | None, default: int, low: int, high: int) -> int:
    try:
        number = int(value) if value is not None else default
    except ValueError:
        return default
    return min(max(number, low), high)


@dataclass(frozen=True)
class LogEntry:
    """One replayable step: at this many requests, this command."""

    at: int
    command: Command


def log_entry(requests: int, command: Command, table: ActionTable = LAB_ACTIONS) -> str:
    value = table.log_value(command)
    return f"{requests}.{command.action}" + (f".{value}" if value is not None else "")


def decode_log(text: str, table: ActionTable = LAB_ACTIONS) -> list[LogEntry]:
    """Check a link's whole log before anything runs; a bad entry refuses the log whole.

    Each entry must name a logged action with a value its parser accepts, the entries must
    not go back in time, and together they may ask for at most MAX_REPLAY_REQUESTS.
    """
    if len(text) > LOG_TEXT_LIMIT:
        raise BadCommand(f"The shared link's log is too long: at most {LOG_LIMIT} steps.")
    raw = [entry for entry in text.split("~") if entry]
    if len(raw) > LOG_LIMIT:
        raise BadCommand(
            f"The shared link asks for {len(raw)} steps; a link may replay at most {LOG_LIMIT}."
        )
    entries: list[LogEntry] = []
    previous = 0
    for entry in raw:
        match = LOG_ENTRY.match(entry)
        if not match:
            raise BadCommand(f"The shared link's step {entry[:40]!r} is not valid.")
        at = int(match[1])
        if at > MAX_REPLAY_REQUESTS:
            raise BadCommand(
                f"The shared link asks to replay {at:,} requests; "
                f"a link may replay at most {MAX_REPLAY_REQUESTS:,}."
            )
        if at < previous:
            raise BadCommand(f"The shared link's step {entry[:40]!r} goes back in time.")
        previous = at
        try:
            command = table.from_log(match[2], match[3])
        except BadCommand as error:
            raise BadCommand(f"The shared link's step {entry[:40]!r}: {error}") from None
        entries.append(LogEntry(at, command))
    return entries
