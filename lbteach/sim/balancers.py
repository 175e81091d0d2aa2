"""The catalogue of balancers, by the names scenario files, the CLI and the UI use."""

from __future__ import annotations

from dataclasses import dataclass

from lbteach.sim.base import Balancer, Picker, Seating
from lbteach.sim.hashed import NginxHashConsistent, NginxIpHash, SourceIp, SourceIpConsistent
from lbteach.sim.stateless import Geo, LeastConnections, PowerOfTwo, Random, RoundRobin, UrlHash
from lbteach.sim.sticky import CookieInsert, Persistent, SessionId, StickTable


@dataclass(frozen=True)
class BalancerInfo:
    name: str
    kind: str  # "stateless" or "stateful"
    title: str
    description: str
    imitates: str


BALANCERS: dict[str, BalancerInfo] = {
    info.name: info
    for info in (
        BalancerInfo(
            "round_robin",
            "stateless",
            "Round robin",
            "Each request goes to the next table in turn; bigger tables (weight) get more turns.",
            "nginx default (smooth weighted round robin); HAProxy balance roundrobin gives the"
            " same order only for equal weights (2,1,1: HAProxy A B A C, nginx A B C A)",
        ),
        BalancerInfo(
            "random",
            "stateless",
            "Random",
            "Each request goes to a table drawn at random, weighted.",
            "HAProxy balance random(1)",
        ),
        BalancerInfo(
            "least_connections",
            "stateless",
            "Least connections",
            "Each request goes to the table with the fewest requests in flight.",
            "HAProxy balance leastconn, nginx least_conn",
        ),
        BalancerInfo(
            "power_of_two",
            "stateless",
            "Power of two choices",
            "The textbook variant: draw two different tables at random; the one with fewer"
            " requests in flight wins, the first drawn on a tie.",
            "textbook power of two choices; HAProxy 3.3's default balance random(2) differs:"
            " its two draws may repeat a server and a tie goes to the second",
        ),
        BalancerInfo(
            "url_hash",
            "stateless",
            "URL hash",
            "HAProxy balance uri: sdbm of the path modulo the total weight of up tables picks a"
            " slot of HAProxy's server map, so a page always lands on one table.",
            "HAProxy balance uri (hash-type map-based sdbm, no avalanche)",
        ),
        BalancerInfo(
            "geo",
            "stateless",
            "Geographic",
            "A customer goes to the tables of the nearest region; round robin among them.",
            "GeoDNS / geolocation routing, then round robin inside the region",
        ),
        BalancerInfo(
            "source_ip",
            "stateful",
            "Source IP hash",
            "HAProxy balance source: the IPv4 address as a number, modulo the total weight of"
            " up tables, picks a slot of HAProxy's server map (consecutive addresses rotate).",
            "HAProxy balance source (hash-type map-based)",
        ),
        BalancerInfo(
            "nginx_ip_hash",
            "stateful",
            "nginx ip_hash",
            "nginx's hash of the first three octets: a whole /24 shares one table.",
            "nginx ip_hash",
        ),
        BalancerInfo(
            "source_ip_consistent",
            "stateful",
            "Consistent source IP hash",
            "HAProxy balance source on a ring: full_hash of the IP, 16 points per unit of weight"
            " per table, nearest point wins; a change of tables moves few customers.",
            "HAProxy balance source + hash-type consistent",
        ),
        BalancerInfo(
            "nginx_hash_consistent",
            "stateful",
            "nginx consistent hash",
            "nginx's ketama ring: crc32 of the IP, 160 points per unit of weight built from each"
            " table's address; the next point wins, a down table passes to the next point.",
            "nginx hash $remote_addr consistent",
        ),
        BalancerInfo(
            "stick_table",
            "stateful",
            "Stick table",
            "The host remembers IP -> table, forgetting an entry after it goes unused a while.",
            "HAProxy stick-table type ip + stick on src",
        ),
        BalancerInfo(
            "cookie_insert",
            "stateful",
            "Cookie insert",
            "The host gives the customer a cookie SERVERID naming the table.",
            "HAProxy cookie SERVERID insert, AWS ALB duration cookie (AWSALB)",
        ),
        BalancerInfo(
            "session_id",
            "stateful",
            "Session ID (learned)",
            "The host learns the app's session cookie and maps it to the table that issued it.",
            "nginx sticky learn, AWS ALB application cookie (AWSALBAPP)",
        ),
    )
}

# Algorithms a stateful balancer may fall back on when no persistence applies.
_FALLBACK_CLASSES: tuple[type[Picker], ...] = (RoundRobin, Random, LeastConnections, PowerOfTwo)
_PICKERS = {cls.name: cls for cls in _FALLBACK_CLASSES}
FALLBACKS = tuple(_PICKERS)

_OTHER_CLASSES: tuple[type[Balancer], ...] = (
    UrlHash,
    Geo,
    SourceIp,
    NginxIpHash,
    SourceIpConsistent,
    NginxHashConsistent,
    StickTable,
    CookieInsert,
    SessionId,
)
_CLASSES: dict[str, type[Balancer]] = {
    cls.name: cls for cls in (*_FALLBACK_CLASSES, *_OTHER_CLASSES)
}


def make_balancer(name: str, r: Seating) -> Balancer:
    """A fresh balancer of this name for restaurant r (its tables, customers and settings)."""
    cls = _CLASSES[name]
    # A persistent balancer (stick table, cookie insert, session id) also gets its fallback.
    balancer = cls(r, _PICKERS[r.settings.fallback](r)) if issubclass(cls, Persistent) else cls(r)
    balancer.topology_changed()
    return balancer
