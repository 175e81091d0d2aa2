"""The balancers the real restaurant offers: HAProxy's lines for each, and the engine's twin."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RealBalancer:
    name: str  # the control's value
    title: str
    haproxy: tuple[str, ...]  # the backend's lines in haproxy.cfg
    engine: str  # the engine's balancer that predicts it (lbteach.sim.BALANCERS)

    @property
    def cookie(self) -> bool:
        return any(line.startswith("cookie ") for line in self.haproxy)


COOKIE_NAME = "SERVERID"

REAL_BALANCERS: dict[str, RealBalancer] = {
    b.name: b
    for b in (
        RealBalancer("roundrobin", "Round robin", ("balance roundrobin",), "round_robin"),
        RealBalancer("source", "Source IP (map-based)", ("balance source",), "source_ip"),
        RealBalancer(
            "source_consistent",
            "Source IP (consistent hashing)",
            ("balance source", "hash-type consistent"),
            "source_ip_consistent",
        ),
        RealBalancer(
            "cookie",
            "Cookie SERVERID insert",
            ("balance roundrobin", f"cookie {COOKIE_NAME} insert indirect nocache"),
            "cookie_insert",
        ),
        RealBalancer("uri", "URI hash", ("balance uri",), "url_hash"),
    )
}


def real_balancer(name: object) -> RealBalancer:
    """The balancer called `name`, or ValueError naming the ones there are."""
    if isinstance(name, str) and name in REAL_BALANCERS:
        return REAL_BALANCERS[name]
    raise ValueError(f"unknown balancer {name!r}; choose one of {', '.join(REAL_BALANCERS)}")
