"""Websocket routes of the classroom: one per role in a class."""

from __future__ import annotations

from django.urls import re_path

from lbteach.classroom.consumers import ClassConsumer

websocket_urlpatterns = [
    re_path(
        r"^ws/class/(?P<code>[2-9A-HJKMNP-Z]{6})/(?P<role>teacher|projector|student)/$",
        ClassConsumer.as_asgi(),
    ),
]
