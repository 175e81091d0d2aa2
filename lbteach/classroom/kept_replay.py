"""A class's replay, kept in the lab for as long as the class's results: stored when the class
ends, linked from each student's ending, deleted with the class.

The lab keeps the run (`lbteach.lab.replaystore`) and knows nothing of classes; the class
keeps the reference (`Classroom.replay`) and deletes the stored run when the class goes
(`delete_classes`, the one way classes are deleted).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet

from lbteach.classroom.models import Classroom
from lbteach.lab import replaystore
from lbteach.lab.sharelink import LabSetup


def keep(classroom: Classroom, setup: LabSetup, log: list[str] | None) -> str:
    """The token of the ended class's stored replay, storing `log` first if the class has
    none yet; "" while the class is open or when it outgrew its replay's bounds (`log` None).

    Called whenever an ending is drawn: at the end itself, and for a class the sweep ended
    when it sat idle, the first time one of its screens opens.
    """
    if classroom.ended_at is None or log is None:
        return ""
    if classroom.replay_id is not None:
        return classroom.replay_id
    with transaction.atomic():
        token = replaystore.store(setup, log)
        # Two screens drawing the ending at once each stored one: the first reference wins.
        if Classroom.objects.filter(pk=classroom.pk, replay=None).update(replay=token):
            classroom.replay_id = token
            return token
        replaystore.delete([token])
    classroom.refresh_from_db(fields=["replay"])
    return classroom.replay_id or ""


def replay_url(token: str, customer: int | None) -> str:
    """The lab page replaying the class, with the student's customer circled."""
    return replaystore.replay_url(token, customer) if token else ""


def delete_classes(classes: QuerySet[Classroom]) -> int:
    """Delete classes with everything they hold, their stored replays too; how many."""
    with transaction.atomic():
        tokens = [t for t in classes.values_list("replay", flat=True) if t is not None]
        _, per_model = classes.delete()
        replaystore.delete(tokens)
    return per_model.get(Classroom._meta.label, 0)
