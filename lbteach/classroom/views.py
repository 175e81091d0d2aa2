"""Classroom pages: start or join a class, the teacher's page, the projector, a student's phone."""

from __future__ import annotations

import csv
import io
from typing import Any

import segno
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lbteach.classroom import ending, identity, lesson_plans, lifecycle, limits, students
from lbteach.classroom.codes import NicknameError, normalise_code
from lbteach.classroom.models import Classroom
from lbteach.classroom.pages import absolute, class_page_context, join_url, phone_page_context
from lbteach.classroom.results import RESULT_COLUMNS, class_results, result_rows
from lbteach.quiz import bank


def _client(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "unknown")


def _too_many(request: HttpRequest, starting: bool = False) -> HttpResponse:
    wait = max(1, round(settings.CLASS_JOIN_WINDOW_SECONDS / 60))
    context = {"starting": starting, "wait_minutes": wait}
    return render(request, "classroom/throttled.html", context, status=429)


def _not_found(request: HttpRequest, code: str, status: int = 404) -> HttpResponse:
    return render(request, "classroom/not_found.html", {"code": code}, status=status)


# The teacher's pages a teacher link may lead back to, after its key was posted.
TEACHER_PAGES = ("teach", "results_page")


def _forbidden(request: HttpRequest, classroom: Classroom, wrong_key: bool = False) -> HttpResponse:
    match = request.resolver_match
    page = match.url_name if match and match.url_name in TEACHER_PAGES else "teach"
    context = {"classroom": classroom, "wrong_key": wrong_key, "next": page}
    return render(request, "classroom/forbidden.html", context, status=403)


def _find(request: HttpRequest, code: str) -> Classroom | HttpResponse:
    """The open class, or the page refusing it (`_missing`, `_admitted`)."""
    try:
        classroom = lifecycle.open_class(code)
    except lifecycle.ClassNotFound:
        return _missing(request, code)
    return _admitted(request, classroom)


def _missing(request: HttpRequest, code: str) -> HttpResponse:
    """No class to show for this code. A wrong code counts against this address; past its
    budget, every code is refused alike (no answer tells a guesser which code was right)."""
    if limits.missed_join(_client(request)):
        return _too_many(request)
    return _not_found(request, code)


def _admitted(request: HttpRequest, classroom: Classroom) -> Classroom | HttpResponse:
    """An address past its budget of wrong codes waits, right code or wrong, except a
    browser already in that class."""
    if limits.locked_out(_client(request)) and not identity.belongs(classroom, request.session):
        return _too_many(request)
    return classroom


def _teacher_results(
    request: HttpRequest, code: str, teacher: bool = True
) -> Classroom | HttpResponse:
    """The class (open or ended, while its results are kept) if this browser is its teacher
    (or whoever asks, with `teacher=False`); else the page refusing it."""
    try:
        classroom = lifecycle.kept_class(code)
    except lifecycle.ClassNotFound:
        return _missing(request, code)
    if teacher and not identity.is_teacher(classroom, request.session):
        return _forbidden(request, classroom)
    return classroom


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "classroom/index.html", {})


@require_POST
def start(request: HttpRequest) -> HttpResponse:
    if not limits.may_start_class(_client(request)):
        return _too_many(request, starting=True)
    classroom, key = lifecycle.start_class()
    identity.remember_teacher(request.session, classroom.code, key)
    request.session.modified = True
    return HttpResponseRedirect(reverse("classroom:teach", args=[classroom.code]))


@require_GET
def join_lookup(request: HttpRequest) -> HttpResponse:
    """The join form: a typed code leads to that class's student page. Without a code it is
    the address students are given: the join form alone, no "Start a class"."""
    if not request.GET.get("code", "").strip():
        return render(request, "classroom/index.html", {"students_only": True})
    code = normalise_code(request.GET.get("code", ""))
    classroom = _find(request, code)
    if isinstance(classroom, HttpResponse):
        if classroom.status_code == 404:
            return render(
                request,
                "classroom/index.html",
                {
                    "join_error": f"No open class has the code “{code}”. Check the projector.",
                    "code": code,
                    "students_only": True,
                },
                status=404,
            )
        return classroom
    return HttpResponseRedirect(reverse("classroom:student", args=[classroom.code]))


def _ending_page(
    request: HttpRequest,
    classroom: Classroom,
    template: str,
    context: dict[str, Any],
    status: int = 200,
) -> HttpResponse:
    """An ended class's page: the same ending its screens turned into, and nothing that can
    change the class."""
    context = {"classroom": classroom, "ended": True, **context}
    return render(request, template, context, status=status)


@require_http_methods(["GET", "POST"])
def student(request: HttpRequest, code: str) -> HttpResponse:
    finished = lifecycle.ended_class(code)
    if finished is not None:
        seat = identity.student_in(finished, request.session)
        me = ending.student_context(ending.data(finished), seat.pk if seat else None)
        # Someone who was not in the class is told it has ended (410: it cannot be joined).
        status = 200 if seat is not None else 410
        context = {"student": seat, **me}
        return _ending_page(request, finished, "classroom/student.html", context, status)
    classroom = _find(request, code)
    if isinstance(classroom, HttpResponse):
        return classroom
    seat = identity.student_in(classroom, request.session)
    context = {"classroom": classroom}
    if seat is None and request.method == "POST":
        try:
            seat = students.join(classroom, request.session, request.POST.get("nickname"))
            return HttpResponseRedirect(reverse("classroom:student", args=[classroom.code]))
        except NicknameError as error:
            context |= {"error": str(error), "nickname": request.POST.get("nickname", "")[:40]}
            return render(request, "classroom/join.html", context, status=400)
    if seat is None:
        return render(request, "classroom/join.html", context)
    return render(
        request,
        "classroom/student.html",
        context | {"student": seat} | phone_page_context(classroom, seat),
    )


# The page carries the teacher link: no cache, shared or private, may keep it.
@never_cache
@require_http_methods(["GET", "POST"])
def teach(request: HttpRequest, code: str) -> HttpResponse:
    if request.method == "POST":
        return _claim_teacher(request, code)
    try:
        classroom = lifecycle.kept_class(code)  # the one lookup: open, or ended with results
        if classroom.ended_at is not None and identity.is_teacher(classroom, request.session):
            return HttpResponseRedirect(reverse("classroom:results_page", args=[classroom.code]))
        lifecycle.still_open(classroom)
    except lifecycle.ClassNotFound:
        return _missing(request, code)
    admitted = _admitted(request, classroom)
    if isinstance(admitted, HttpResponse):
        return admitted
    if not identity.is_teacher(classroom, request.session):
        return _forbidden(request, classroom)
    teacher_key = request.session[identity.TEACHER_SESSION_KEY][classroom.code]
    context = class_page_context(classroom, request)
    context |= {
        # Keys ride in the fragment, which browsers never send: they stay out of every
        # request line and log. The page a link opens posts its key (static/js/key_link.js).
        "teacher_link": absolute(request, reverse("classroom:teach", args=[classroom.code]))
        + f"#key={teacher_key}",
        "projector_link": absolute(request, reverse("classroom:projector", args=[classroom.code]))
        + f"#key={identity.projector_key(classroom)}",
        "questions": bank.list_questions(kinds=("single", "multiple", "true_false", "scenario")),
        "results_days": settings.CLASS_RESULTS_DAYS,
        "plans": lesson_plans.all_plans(),
        "plan": lesson_plans.get_plan(request.GET.get("plan", "")),
    }
    return render(request, "classroom/teach.html", context)


def _posted_key(request: HttpRequest) -> str:
    """The key a link's page posted: the bare key, or a whole pasted link (`...#key=...`);
    "" when it is too long to be one."""
    key = request.POST.get("key", "").strip()
    if "#key=" in key:
        key = key.rsplit("#key=", 1)[1]
    return key if len(key) <= identity.KEY_MAX_LENGTH else ""


def _claim_teacher(request: HttpRequest, code: str) -> HttpResponse:
    """The teacher link's key, posted from a second device: it moves into that browser's
    session (a wrong key changes nothing)."""
    classroom = _find(request, code)
    if isinstance(classroom, HttpResponse):
        return classroom
    key = _posted_key(request)
    if not identity.teacher_key_matches(classroom, key):
        return _forbidden(request, classroom, wrong_key=True)
    identity.remember_teacher(request.session, classroom.code, key)
    page = request.POST.get("next")
    page = page if page in TEACHER_PAGES else "teach"
    return HttpResponseRedirect(reverse(f"classroom:{page}", args=[classroom.code]))


@never_cache
@require_http_methods(["GET", "POST"])
def projector(request: HttpRequest, code: str) -> HttpResponse:
    if request.method == "POST":
        # The projector link's key, posted by the page the link opened: it moves into this
        # browser's session. It shows the projector and controls nothing.
        known = _teacher_results(request, code, teacher=False)
        if isinstance(known, HttpResponse):
            return known
        key = _posted_key(request)
        if not identity.projector_key_matches(known, key):
            return _projector_elsewhere(request, known, wrong_key=True)
        identity.remember_projector(request.session, known.code, key)
        return HttpResponseRedirect(reverse("classroom:projector", args=[known.code]))
    finished = lifecycle.ended_class(code)
    if finished is not None:
        if not identity.may_project(finished, request.session):
            return _projector_elsewhere(request, finished)
        context = {"ending": ending.data(finished)}
        return _ending_page(request, finished, "classroom/projector.html", context)
    classroom = _find(request, code)
    if isinstance(classroom, HttpResponse):
        return classroom
    if not identity.may_project(classroom, request.session):
        return _projector_elsewhere(request, classroom)
    return render(request, "classroom/projector.html", class_page_context(classroom, request))


def _projector_elsewhere(
    request: HttpRequest, classroom: Classroom, wrong_key: bool = False
) -> HttpResponse:
    """The projector page in a browser that is not the teacher's: how to open it there."""
    context = {"classroom": classroom, "wrong_key": wrong_key}
    return render(request, "classroom/projector_elsewhere.html", context, status=403)


@require_GET
def qr(request: HttpRequest, code: str) -> HttpResponse:
    classroom = _find(request, code)
    if isinstance(classroom, HttpResponse):
        return classroom
    buffer = io.BytesIO()
    segno.make(join_url(request, classroom), error="m").save(
        buffer,
        kind="svg",
        scale=8,
        dark="#1d2433",
        light="#ffffff",
        omitsize=True,
        title=f"Join class {classroom.code}",
    )
    return HttpResponse(buffer.getvalue(), content_type="image/svg+xml")


@never_cache  # nicknames and scores: no cache may keep them
@require_GET
def results_page(request: HttpRequest, code: str) -> HttpResponse:
    classroom = _teacher_results(request, code)
    if isinstance(classroom, HttpResponse):
        return classroom
    context = {"classroom": classroom, **class_results(classroom)}
    return render(request, "classroom/results.html", context)


@never_cache  # nicknames and scores: no cache may keep them
@require_GET
def results_print(request: HttpRequest, code: str) -> HttpResponse:
    classroom = _teacher_results(request, code)
    if isinstance(classroom, HttpResponse):
        return classroom
    context = {"classroom": classroom, "printable": True, **class_results(classroom)}
    return render(request, "classroom/results.html", context)


@never_cache  # nicknames and scores: no cache may keep them
@require_GET
def results(request: HttpRequest, code: str) -> HttpResponse:
    classroom = _teacher_results(request, code)
    if isinstance(classroom, HttpResponse):
        return classroom
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="class-{classroom.code}-results.csv"'
    writer = csv.writer(response)
    writer.writerow(RESULT_COLUMNS)
    writer.writerows(result_rows(classroom))
    return response
