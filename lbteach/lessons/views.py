"""Views for the home page, the lesson index and one lesson: look up, render, nothing more."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from lbteach.lessons.catalogue import load_catalogue
from lbteach.lessons.reading import mark_read, read_slugs


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    catalogue = load_catalogue()
    return render(
        request,
        "lessons/home.html",
        {"lessons": catalogue.lessons, "read": read_slugs(request.session)},
    )


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    catalogue = load_catalogue()
    read = read_slugs(request.session)
    return render(
        request,
        "lessons/index.html",
        {
            "lessons": catalogue.lessons,
            "read": read,
            "read_count": len(read & set(catalogue.slugs)),
        },
    )


@require_GET
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    catalogue = load_catalogue()
    lesson = catalogue.get(slug)
    if lesson is None:
        raise Http404(f"There is no lesson called “{slug}”.")
    mark_read(request.session, slug)
    previous, following = catalogue.neighbours(lesson)
    return render(
        request,
        "lessons/detail.html",
        {
            "lesson": lesson,
            "previous": previous,
            "next": following,
            "position": catalogue.lessons.index(lesson) + 1,
            "total": len(catalogue.lessons),
        },
    )


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The friendly 404 page for every unknown address, with ways back."""
    return render(request, "404.html", {"lessons": load_catalogue().lessons[:5]}, status=404)
