"""A lab run's saved state, so a run outlives the process that ticks it."""

from __future__ import annotations

from django.db import models


class LabRun(models.Model):
    # The room's secret code (`lab-...`): only the page that holds it can return to the run.
    code = models.CharField(max_length=48, primary_key=True)
    # The room as JSON (lbteach.lab.room.Room.to_dict).
    state = models.JSONField()
    saved_at = models.DateTimeField(auto_now=True, db_index=True)

    def __str__(self) -> str:
        return self.code


class StoredReplay(models.Model):
    """A run kept server-side to be replayed in the lab: a class's whole run, too long for a
    share link. Whoever holds its token may replay it; whoever stored it deletes it."""

    # Random and URL-safe (lbteach.lab.replaystore.new_token): the link's only secret.
    token = models.CharField(max_length=32, primary_key=True)
    # The run's LabSetup (LabSetup.to_dict) and its log, a list of `requests.action[.value]`.
    setup = models.JSONField()
    log = models.JSONField()
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.token
