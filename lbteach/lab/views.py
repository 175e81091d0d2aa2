"""The lab pages: one restaurant, or two side by side. The live part arrives over a websocket."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from lbteach.lab import replaystore
from lbteach.lab.catalog import balancer_groups, preset_story, side_expects
from lbteach.lab.frames import room_context
from lbteach.lab.replaystore import UnknownReplay
from lbteach.lab.room import Room
from lbteach.lab.service import BUSY_MESSAGE, REPLAYING, lab_is_busy
from lbteach.lab.sharelink import LabSetup, decode_log
from lbteach.live.commands import MAX_ADD_CUSTOMERS, SPEEDS, BadCommand
from lbteach.scene.figures import UnknownFigure, frames_body
from lbteach.sim import BALANCERS, PRESETS

BUSY_RETRY_SECONDS = 60


def page_context(room: Room, log: str = "", link_error: str = "", stored: str = "") -> dict:
    """Everything the lab page shows for a room's current state (the run of a share link's
    `log`, or of the replay stored under the token `stored`, arrives over the websocket)."""
    setup = room.setup
    compare = setup.compare
    query = setup.query(log.split("~") if log else [])
    if stored:
        query["replay"] = stored
    return {
        **room_context(room),
        "setup": setup,
        "compare": compare,
        "ws_url": f"/ws/lab/{'compare' if compare else 'single'}/?{urlencode(query)}",
        "link_error": link_error,
        "preset": PRESETS[setup.scenario],
        "story": preset_story(setup.scenario),
        "sides": side_expects(setup.scenario, setup.balancers) if compare else [],
        "presets": PRESETS.values(),
        "balancer_groups": balancer_groups(),
        "balancers": BALANCERS,
        "speeds": range(1, len(SPEEDS) + 1),
        "max_add": MAX_ADD_CUSTOMERS,
        # A link's run arrives once replayed; until then the status line says it is coming.
        "status_hint": REPLAYING if log or stored else "",
    }


def _page(request: HttpRequest, compare: bool) -> HttpResponse:
    if lab_is_busy():
        response = render(request, "lab/busy.html", {"message": BUSY_MESSAGE}, status=503)
        response["Retry-After"] = str(BUSY_RETRY_SECONDS)
        return response
    setup = LabSetup.from_query(request.GET, compare=compare)
    log, link_error = request.GET.get("log", ""), ""
    stored = request.GET.get("replay", "")
    try:
        if stored:  # a class's stored run: its own setup (the page's query plays no part)
            log, setup = "", replaystore.setup_of(stored)
        decode_log(log)  # only checked here; the websocket's room replays it off the loop
    except (BadCommand, UnknownReplay) as error:
        log, stored, link_error = "", "", f"{error} The run starts from the beginning instead."
    # The page shows the run's first state; the websocket's room starts from the same setup.
    room = Room("page", setup)
    context = page_context(room, log, link_error, stored)
    # A replayed class names the student's own customer, to pick out on the floor.
    highlight = request.GET.get("highlight", "")
    context["highlight"] = int(highlight) if highlight.isdigit() and len(highlight) < 6 else None
    return render(request, "lab/page.html", context)


@require_GET
def lab(request: HttpRequest) -> HttpResponse:
    return _page(request, compare=False)


@require_GET
def compare(request: HttpRequest) -> HttpResponse:
    return _page(request, compare=True)


@require_GET
def figure_frames(request: HttpRequest, name: str) -> HttpResponse:
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
