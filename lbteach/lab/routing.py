"""Websocket routes of the lab."""

from __future__ import annotations

from django.urls import re_path

from lbteach.lab.consumers import LabConsumer

websocket_urlpatterns = [
    re_path(r"^ws/lab/(?P<mode>single|compare)/$", LabConsumer.as_asgi()),
]
