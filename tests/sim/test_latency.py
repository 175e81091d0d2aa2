"""The latency histogram's percentiles against a sorted list of the same latencies."""

from __future__ import annotations

from math import ceil

from hypothesis import given
from hypothesis import strategies as st

from lbteach.sim import latency

LATENCIES = st.lists(st.floats(min_value=0.0, max_value=5000.0), max_size=300)


@given(LATENCIES, LATENCIES)
def test_percentiles_are_the_bucket_of_the_request_at_each_rank(before, since):
    hist = latency.empty()
    for ms in before:
        hist[latency.bucket(ms)] += 1
    mark = list(hist)
    for ms in since:
        hist[latency.bucket(ms)] += 1
    for counted, minus in ((before + since, None), (since, mark)):
        ranked = sorted(latency.bucket(ms) for ms in counted)
        expected = {
            key: round(latency.bucket_value(ranked[ceil(q * len(ranked)) - 1]), 1)
            if ranked
            else 0.0
            for key, q in latency.PERCENTILES
        }
        assert latency.percentiles(hist, minus) == expected
