"""The latency histogram: fixed buckets, so percentiles need no sorting and the state stays small.

Buckets are 0.1 ms wide below 409.6 ms (cheap to compute), then 1% wide on a log scale. A
bucket reports its midpoint. The caps on service_ms and requests keep every latency in range.
`Restaurant.serve` inlines `bucket()` for speed; a test holds the two together.
"""

from __future__ import annotations

from math import ceil, expm1, log1p

LINEAR_SCALE = 10.0
LINEAR_BUCKETS = 4096
LOG_SCALE = 100.0
HIST_SIZE = LINEAR_BUCKETS + 3000
PERCENTILES = (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))


def bucket(latency: float) -> int:
    k = int(latency * LINEAR_SCALE)
    return k if k < LINEAR_BUCKETS else LINEAR_BUCKETS + int(log1p(latency) * LOG_SCALE)


def bucket_value(k: int) -> float:
    if k < LINEAR_BUCKETS:
        return (k + 0.5) / LINEAR_SCALE
    return expm1((k - LINEAR_BUCKETS + 0.5) / LOG_SCALE)


def empty() -> list[int]:
    return [0] * HIST_SIZE


def sparse(hist: list[int]) -> list[list[int]]:
    """Only the filled buckets, as [bucket, count] pairs: most are empty."""
    return [[k, n] for k, n in enumerate(hist) if n]


def from_sparse(pairs: list[list[int]]) -> list[int]:
    hist = empty()
    for k, n in pairs:
        hist[k] = n
    return hist


def percentiles(hist: list[int], minus: list[int] | None = None) -> dict[str, float]:
    """p50, p95 and p99 of `hist`, or of the requests it gained since it was `minus`."""
    if minus is not None:
        hist = [n - m for n, m in zip(hist, minus, strict=True)]
    total = sum(hist)
    out = {key: 0.0 for key, _ in PERCENTILES}
    if not total:
        return out
    wanted = [(key, ceil(q * total)) for key, q in PERCENTILES]
    seen = 0
    for k, count in enumerate(hist):
        if not count:
            continue
        seen += count
        while wanted and seen >= wanted[0][1]:
            out[wanted.pop(0)[0]] = round(bucket_value(k), 1)
        if not wanted:
            break
    return out
