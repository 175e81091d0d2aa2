"""HEAD answers every page exactly as GET does, without the body (RFC 9110, section 9.3.2).

Views allow GET only (`require_GET`), so without this every HEAD was a 405; link checkers,
monitors and `curl -I` use HEAD. Declared once here rather than on each view.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase


class HeadLikeGet:
    """Runs a HEAD request as its GET and drops the body, keeping every header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method != "HEAD":
            return self.get_response(request)
        request.method = "GET"
        response = self.get_response(request)
        request.method = "HEAD"
        if response.streaming:
            response.streaming_content = []  # type: ignore[attr-defined]
        else:
            length = len(response.content)  # type: ignore[attr-defined]
            response.content = b""  # type: ignore[attr-defined]
            response["Content-Length"] = str(length)
        return response
