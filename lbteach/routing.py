"""Websocket routes of every app, all under /ws/."""

from __future__ import annotations

websocket_urlpatterns: list = []
