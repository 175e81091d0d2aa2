"""Who is quizzing: a browser, known by a random learner id kept in its database session.

No account is needed; the session cookie lasts a year (SESSION_COOKIE_AGE) and everything
else lives in the database, so a server restart loses nothing.
"""

from __future__ import annotations

import uuid

from django.contrib.sessions.backends.base import SessionBase

from lbteach.quiz.models import Learner

SESSION_KEY = "quiz_learner"


def current_learner(session: SessionBase) -> Learner | None:
    """The learner this browser already is, or None; reading pages never creates one."""
    raw = session.get(SESSION_KEY)
    if not raw:
        return None
    try:
        return Learner.objects.filter(pk=uuid.UUID(str(raw))).first()
    except ValueError:
        return None


def ensure_learner(session: SessionBase) -> Learner:
    """The learner this browser is, created on its first question."""
    learner = current_learner(session)
    if learner is None:
        learner = Learner.objects.create()
        session[SESSION_KEY] = str(learner.pk)
    return learner
