"""The /real/ page: the browser talks to the real HAProxy, these views to the supervisor.

Only a browser on this machine may use the controls that start, stop or reconfigure
processes (checked here, not only hidden in the template). Anyone may report a request
they made and clear their own cookies.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.middleware import HtmxDetails

from lbteach.local_admin import is_local
from lbteach.real import service
from lbteach.real.supervisor import RealError

PAGE = "real/page.html"
PROJECTOR = "real/projector.html"


class HtmxHttpRequest(HttpRequest):
    """A request as django-htmx's middleware leaves it (as in lbteach/quiz/views.py)."""

    htmx: HtmxDetails


def _local(request: HttpRequest) -> bool:
    # From this machine and naming it: a tunnel on this machine connects from loopback too.
    return is_local(request)


def balancer_origin(request: HttpRequest, port: int) -> str:
    """HAProxy's origin as this browser reaches it: the site's host name, HAProxy's port."""
    host = (
        request.get_host().rsplit(":", 1)[0]
        if not request.get_host().endswith("]")
        else request.get_host()
    )
    return f"{request.scheme}://{host}:{port}"


def _page(
    request: HtmxHttpRequest, template: str, error: str = "", status: int = 200
) -> HttpResponse:
    try:
        state = service.view()
    except RealError as problem:
        context = service.page_context({}, _local(request), str(problem))
        return render(
            request,
            f"{PAGE}#not_running" if request.htmx else PAGE,
            context,
            status=503 if request.htmx else 200,
        )
    context = service.page_context(state, _local(request), error)
    context["origin"] = balancer_origin(request, state["port"])
    response = render(request, template, context, status=status)
    # The page's script fetches from HAProxy's port, another origin.
    response._csp_update = {"connect-src": [context["origin"]]}  # type: ignore[attr-defined]
    return response


@require_GET
def page(request: HtmxHttpRequest) -> HttpResponse:
    return _page(request, PAGE)


@require_GET
def tables(request: HtmxHttpRequest) -> HttpResponse:
    return _page(request, f"{PAGE}#health")


@require_GET
def projector(request: HttpRequest) -> HttpResponse:
    return _projector(request, PROJECTOR)


@require_GET
def projector_floor(request: HttpRequest) -> HttpResponse:
    return _projector(request, f"{PROJECTOR}#floor")


def _projector(request: HttpRequest, template: str) -> HttpResponse:
    """The tables and the clients last served at each, for a class's big screen."""
    try:
        state = service.view()
    except RealError:
        state = {}
    base = settings.CLASS_PUBLIC_URL or f"{request.scheme}://{request.get_host()}"
    context = {"state": state, "join": base + reverse("real:page")}
    return render(request, template, context, status=200 if state or template == PROJECTOR else 503)


@require_POST
def control(request: HtmxHttpRequest) -> HttpResponse:
    if not _local(request):
        return render(
            request,
            f"{PAGE}#refused",
            {"error": "Only a browser on the machine running `make real` can change it."},
            status=403,
        )
    try:
        _, error = service.control(request.POST.dict())
    except RealError as problem:
        error = str(problem)
    template = f"{PAGE}#controls" if request.htmx else PAGE
    return _page(request, template, error, status=400 if error else 200)


@require_POST
def seen(request: HttpRequest) -> HttpResponse:
    try:
        row = service.report(
            request.POST.dict(), request.META.get("REMOTE_ADDR", ""), request.COOKIES
        )
    except RealError as problem:
        return render(request, f"{PAGE}#report_error", {"error": str(problem)}, status=400)
    return render(request, f"{PAGE}#seen", {"row": row, "hx_oob": True})


@require_POST
def clear_cookies(request: HttpRequest) -> HttpResponse:
    """Really forget this browser's lesson cookies (HAProxy's SERVERID and the table's session)."""
    response = render(request, f"{PAGE}#cleared", {"names": service.LESSON_COOKIES})
    for name in service.LESSON_COOKIES:
        response.delete_cookie(name, path="/", samesite="Lax")
    return response
