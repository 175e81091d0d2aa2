"""Websocket routes of the lab."""

from __future__ import annotations

from django.conf import settings
from django.urls import re_path

from lbteach.lab.consumers import EchoConsumer, LabConsumer

websocket_urlpatterns = [
    re_path(r"^ws/lab/(?P<mode>single|compare)/$", LabConsumer.as_asgi()),
]
if settings.BENCH_ECHO:
    websocket_urlpatterns.append(re_path(r"^ws/echo/$", EchoConsumer.as_asgi()))
