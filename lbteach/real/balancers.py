"""The balancers the real restaurant offers: HAProxy's or nginx's lines, and the engine's twin."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RealBalancer:
    name: str  # the control's value
    title: str
    lines: tuple[str, ...]  # HAProxy's backend lines, or nginx's upstream lines
    engine: str  # the engine's balancer that predicts it (lbteach.sim.BALANCERS)

    @property
    def cookie(self) -> bool:
        return any(line.startswith("cookie ") for line in self.lines)


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


# nginx (free): round robin and the two address hashes the engine matches 160/160.
NGINX_BALANCERS: dict[str, RealBalancer] = {
    b.name: b
    for b in (
        RealBalancer("roundrobin", "Round robin", (), "round_robin"),
        RealBalancer("ip_hash", "IP hash (the first three octets)", ("ip_hash;",), "nginx_ip_hash"),
        RealBalancer(
            "hash_consistent",
            "Consistent hash of the address",
            ("hash $remote_addr consistent;",),
            "nginx_hash_consistent",
        ),
    )
}
CATALOGUES = {"haproxy": REAL_BALANCERS, "nginx": NGINX_BALANCERS}


def real_balancer(name: object, program: str = "haproxy") -> RealBalancer:
    """The balancer called `name` for `program`, or ValueError naming the ones there are."""
    catalogue = CATALOGUES[program]
    if isinstance(name, str) and name in catalogue:
        return catalogue[name]
    raise ValueError(f"unknown balancer {name!r}; choose one of {', '.join(catalogue)}")
