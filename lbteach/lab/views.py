"""The lab pages: one restaurant, or two side by side. The live part arrives over a websocket."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from lbteach.lab.catalog import balancer_groups, preset_story
from lbteach.lab.commands import MAX_ADD_CUSTOMERS, SPEEDS
from lbteach.lab.figures import UnknownFigure, frames_body
from lbteach.lab.frames import room_context
from lbteach.lab.room import LabSetup, Room
from lbteach.sim import BALANCERS, PRESETS

TABLE_CHOICES = "ABCDEFGHIJKL"


def page_context(room: Room, path: str) -> dict:
    """Everything the lab page shows for a room's current state."""
    setup = room.setup
    compare = setup.compare
    query = urlencode(room.share_query())
    return {
        **room_context(room),
        "setup": setup,
        "compare": compare,
        "ws_url": f"/ws/lab/{'compare' if compare else 'single'}/?{query}",
        "preset": PRESETS[setup.scenario],
        "story": preset_story(setup.scenario),
        "presets": PRESETS.values(),
        "balancer_groups": balancer_groups(),
        "balancers": BALANCERS,
        "speeds": range(1, len(SPEEDS) + 1),
        "max_add": MAX_ADD_CUSTOMERS,
        "table_choices": TABLE_CHOICES,
    }


def _page(request, compare: bool):
    setup = LabSetup.from_query(request.GET, compare=compare)
    # The page shows the run's first state; the websocket's room starts from the same setup.
    room = Room("page", setup)
    return render(request, "lab/page.html", page_context(room, request.path))


@require_GET
def lab(request):
    return _page(request, compare=False)


@require_GET
def compare(request):
    return _page(request, compare=True)


@require_GET
def figure_frames(request, name: str):
    """A lesson figure's frames: the same cached bytes for every reader, no room, no socket."""
    try:
        plain, packed = frames_body(name)
    except UnknownFigure:
        raise Http404(f"There is no figure called {name!r}.") from None
    zipped = "gzip" in request.headers.get("Accept-Encoding", "")
    response = HttpResponse(packed if zipped else plain, content_type="text/html; charset=utf-8")
    if zipped:
        response["Content-Encoding"] = "gzip"
    response["Vary"] = "Accept-Encoding"
    response["Cache-Control"] = "public, max-age=3600"
    return response
