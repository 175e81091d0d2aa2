"""Websocket routes of every app, all under /ws/, and a clean refusal for any other path."""

from __future__ import annotations

from channels.generic.websocket import AsyncWebsocketConsumer
from django.urls import re_path

from lbteach.classroom.routing import websocket_urlpatterns as class_routes
from lbteach.lab.routing import websocket_urlpatterns as lab_routes

CLOSE_NOT_FOUND = 4404  # like HTTP 404: no live room answers at this address


class NoSuchRoute(AsyncWebsocketConsumer):
    """Answers a socket at an address no room serves with close code 4404 (without it the
    router raises and the server answers 500). It accepts first: a handshake refused before
    accepting reaches a real client as a bare HTTP 403, and the close code would be lost."""

    async def connect(self) -> None:
        await self.accept()
        await self.close(code=CLOSE_NOT_FOUND)


websocket_urlpatterns = [*lab_routes, *class_routes, re_path(r"", NoSuchRoute.as_asgi())]
