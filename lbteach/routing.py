"""Websocket routes of every app, all under /ws/."""

from __future__ import annotations

from lbteach.classroom.routing import websocket_urlpatterns as class_routes
from lbteach.lab.routing import websocket_urlpatterns as lab_routes

websocket_urlpatterns = [*lab_routes, *class_routes]
