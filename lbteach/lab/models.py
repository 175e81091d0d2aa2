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
