"""Quiz views: parse the request, call one service, render a page or, for htmx, its partial."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.middleware import HtmxDetails

from lbteach.lessons.catalogue import load_catalogue
from lbteach.quiz import bank, drill_practice, play, progress, runs, study_queue
from lbteach.quiz.forms import ResetForm, StartForm
from lbteach.quiz.learners import current_learner, ensure_learner
from lbteach.quiz.models import Learner, Question, QuizRun


class HtmxHttpRequest(HttpRequest):
    """A request as django-htmx's middleware leaves it (django-htmx's typing recipe)."""

    htmx: HtmxDetails


# One posted step of a served question: (learner, token, question key, value, now).
Step = Callable[[Learner | None, str, str, Any, datetime], play.Screen]

PLAY = "quiz/play.html"


def _card(request: HtmxHttpRequest, context: dict, status: int = 200) -> HttpResponse:
    """The quiz card: the whole page for a plain request, only the card for htmx."""
    template = f"{PLAY}#card" if request.htmx else PLAY
    return render(request, template, context, status=status)


def _failed(request: HtmxHttpRequest, error: play.PlayError) -> HttpResponse:
    return _card(request, {"screen": error.screen, "error": error.message}, status=error.status)


def _home(
    request: HtmxHttpRequest, form: StartForm, notice: str = "", status: int = 200
) -> HttpResponse:
    learner = current_learner(request.session)
    context = {
        "form": form,
        "topic": load_catalogue().get(form["topic"].value() or ""),
        "progress": progress.progress(learner, timezone.now()),
        "queue": study_queue.counts(learner, timezone.now()),
        "drills_due": drill_practice.due_count(learner, timezone.now()),
        "notice": notice,
    }
    return render(request, "quiz/home.html", context, status=status)


@require_GET
def home(request: HtmxHttpRequest) -> HttpResponse:
    topic = request.GET.get("topic", "")
    form = StartForm(initial={"mode": "quick", "topic": topic})
    if topic and load_catalogue().get(topic) is None:
        # Echo at most a slug's length of what was asked for: the rest is nobody's lesson.
        return _home(request, StartForm(), f"There is no lesson called “{topic[:80]}”.", status=404)
    return _home(request, form)


@require_POST
def start(request: HtmxHttpRequest) -> HttpResponse:
    form = StartForm(request.POST)
    if not form.is_valid():
        return _home(request, form, "That quiz could not start; see the message below.", 400)
    learner = ensure_learner(request.session)
    try:
        run = runs.start(
            learner, form.cleaned_data["mode"], form.cleaned_data["topic"], timezone.now()
        )
    except runs.NothingToAsk as empty:
        return _home(request, form, str(empty))
    response = redirect("quiz:run", run_id=run.pk)
    response.status_code = 303  # See Other: after the POST, the browser GETs the sitting
    return response


# The last rating, shown once on the next card after a redirect (browsers without htmx).
RATED = "quiz_rated"


def _next_card(
    request: HtmxHttpRequest, learner: Learner, found: QuizRun, rated: dict | None = None
) -> HttpResponse:
    """The card a sitting is at (or its summary), with the rating just given, if any."""
    shown = runs.next_screen(learner, found, timezone.now())
    key = "summary" if isinstance(shown, runs.Summary) else "screen"
    return _card(request, {key: shown, "rated": rated})


@require_GET
def run(request: HtmxHttpRequest, run_id: uuid.UUID) -> HttpResponse:
    learner = current_learner(request.session)
    found = runs.find_run(learner, run_id)
    if learner is None or found is None:  # no learner finds no run
        raise Http404("That quiz belongs to another browser, or was reset.")
    rated = request.session.pop(RATED, None)
    return _next_card(request, learner, found, rated if isinstance(rated, dict) else None)


@require_GET
def question(request: HtmxHttpRequest, key: str) -> HttpResponse:
    found = get_object_or_404(Question.objects.prefetch_related("options"), key=key, active=True)
    learner = ensure_learner(request.session)
    return _card(request, {"screen": play.serve(learner, found, timezone.now())})


def _step(request: HtmxHttpRequest, step: Step, field: str, many: bool = False) -> HttpResponse:
    """Carry one posted step of a served question (its token names it) through `play`."""
    value = request.POST.getlist(field) if many else request.POST.get(field, "")
    try:
        screen = step(
            current_learner(request.session),
            request.POST.get("token", ""),
            request.POST.get("question", ""),
            value,
            timezone.now(),
        )
    except play.PlayError as error:
        return _failed(request, error)
    return _card(request, {"screen": screen})


@require_POST
def answer(request: HtmxHttpRequest) -> HttpResponse:
    return _step(request, play.answer, "choice", many=True)


@require_POST
def reveal(request: HtmxHttpRequest) -> HttpResponse:
    return _step(request, play.reveal, "response")


@require_POST
def rate(request: HtmxHttpRequest) -> HttpResponse:
    """Rate a flashcard; in a sitting, go straight on to the next card, which confirms it."""
    learner = current_learner(request.session)
    try:
        screen = play.rate(
            learner,
            request.POST.get("token", ""),
            request.POST.get("question", ""),
            request.POST.get("rating", ""),
            timezone.now(),
        )
    except play.PlayError as error:
        return _failed(request, error)
    if screen.run is None or learner is None:
        return _card(request, {"screen": screen})
    rated = {"label": screen.rating_label, "wait": screen.next_review}
    if request.htmx:
        return _next_card(request, learner, screen.run, rated)
    request.session[RATED] = rated
    response = redirect("quiz:run", run_id=screen.run.pk)
    response.status_code = 303  # See Other: a reload shows the card, it does not rate again
    return response


def _progress(
    request: HtmxHttpRequest, form: ResetForm, notice: str = "", status: int = 200
) -> HttpResponse:
    learner = current_learner(request.session)
    context = {
        "progress": progress.progress(learner, timezone.now()),
        "form": form,
        "notice": notice,
    }
    return render(request, "quiz/progress.html", context, status=status)


@require_GET
def progress_page(request: HtmxHttpRequest) -> HttpResponse:
    return _progress(request, ResetForm())


@require_POST
def reset(request: HtmxHttpRequest) -> HttpResponse:
    form = ResetForm(request.POST)
    if not form.is_valid():
        return _progress(request, form, status=400)
    erased = progress.reset(current_learner(request.session))
    notice = f"Your progress is reset: {erased} answer{'' if erased == 1 else 's'} erased."
    return _progress(request, ResetForm(), notice)


@require_GET
def bank_page(request: HtmxHttpRequest) -> HttpResponse:
    topics = bank.listing()
    total = sum(len(topic.questions) for topic in topics)
    return render(request, "quiz/bank.html", {"topics": topics, "total": total})


DRILLS = "quiz/drills.html"


def _drill_card(request: HtmxHttpRequest, context: dict, status: int = 200) -> HttpResponse:
    template = f"{DRILLS}#card" if request.htmx else DRILLS
    return render(request, template, context, status=status)


def _drill_refused(request: HtmxHttpRequest, refused: drill_practice.DrillRefused) -> HttpResponse:
    context = {"screen": refused.screen, "error": refused.message}
    return _drill_card(request, context, status=refused.status)


def _to_drill(request: HtmxHttpRequest, kind: str) -> HttpResponse:
    seed = drill_practice.random_seed(current_learner(request.session), kind)
    return redirect("quiz:drill", kind=kind, seed=seed)


@require_GET
def drills_home(request: HtmxHttpRequest) -> HttpResponse:
    learner = current_learner(request.session)
    statuses = drill_practice.statuses(learner, timezone.now())
    return render(request, DRILLS, {"statuses": statuses})


@require_GET
def drill_next(request: HtmxHttpRequest) -> HttpResponse:
    return _to_drill(
        request, drill_practice.next_kind(current_learner(request.session), timezone.now())
    )


@require_GET
def drill_kind(request: HtmxHttpRequest, kind: str) -> HttpResponse:
    try:
        drill_practice.check_kind(kind)
    except drill_practice.DrillRefused as refused:
        return _drill_refused(request, refused)
    return _to_drill(request, kind)


@require_GET
def drill(request: HtmxHttpRequest, kind: str, seed: str) -> HttpResponse:
    try:
        screen = drill_practice.serve(kind, seed)
    except drill_practice.DrillRefused as refused:
        return _drill_refused(request, refused)
    return _drill_card(request, {"screen": screen})


@require_POST
def drill_answer(request: HtmxHttpRequest, kind: str, seed: str) -> HttpResponse:
    try:
        prediction = drill_practice.parse_answer(
            kind, seed, request.POST.get("token", ""), request.POST.get("choice", "")
        )
        screen = drill_practice.record(ensure_learner(request.session), prediction, timezone.now())
    except drill_practice.DrillRefused as refused:
        return _drill_refused(request, refused)
    return _drill_card(request, {"screen": screen})
