"""What the engine hands back: one routing Decision, one EventOutcome, one run's RunResult."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields


@dataclass(frozen=True)
class Decision:
    """One request, routed: where it went, why, and what it did to the customer's cart."""

    index: int
    time_ms: float
    client: int
    action: str
    server: str | None  # None when no table could take it
    reason: str
    cart_items: int
    cart_broken: bool
    carts_stranded_at: str | None
    redispatched: bool
    latency_ms: float | None  # None for a failed request
    story: str | None
    ip: str = ""
    path: str = ""
    error: bool = False
    cause: str = ""  # a broken cart's reason in a few words ("new IP"), for the scene's label

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class EventOutcome:
    """An event, applied: one sentence for the narration and how many customers it moved."""

    do: str
    at: int
    summary: str
    remapped: int
    details: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "do": self.do,
            "at": self.at,
            "summary": self.summary,
            "remapped": self.remapped,
            "details": dict(self.details),
        }

    @classmethod
    def from_dict(cls, data: dict) -> EventOutcome:
        return cls(data["do"], data["at"], data["summary"], data["remapped"], data["details"])


@dataclass(frozen=True)
class RunResult:
    """The figures of one run; `to_dict` is the JSON run the CLI prints."""

    balancer: str
    requests: int
    per_server: dict[str, int]
    imbalance: float
    cart_breaks: int
    carts_lost: int
    sticky_ratio: float
    latency_ms: dict[str, float]
    events: list[dict]
    remapped_clients: int
    errors: int
    redispatched: int
    checkouts: int
    empty_checkouts: int
    shared_sessions: bool

    def to_dict(self) -> dict:
        data = asdict(self)
        return {key: data[key] for key in sorted(data)}

    @classmethod
    def from_metrics(cls, metrics: dict) -> RunResult:
        return cls(**{f.name: metrics[f.name] for f in fields(cls)})
