"""How the ticker paces its rounds of room ticks: when a round starts, and how long it rests.

Pure arithmetic on seconds (no clock, no event loop), so tests drive it, and the ticker that
uses it (`lbteach.live.broadcast.Ticker`), with a fake clock.

A round ticks every watched room once, in slices; after a slice that worked over
SLICE_SECONDS the ticker rests, so that pages and sockets get the event loop for many turns
(a Django page needs about 60: docs/benchmarks.md, "Many labs in one process"). The rests
keep ticking to `share` of the loop's time: BASE_SHARE while rounds come within
FRAME_GAP_SECONDS, more when that is what keeps them there, never over MAX_SHARE. So under
load a room's tick interval stretches (slow motion, never a backlog), first up to the frame
gap, and past it only when even MAX_SHARE of the loop cannot tick every room in time.
"""

from __future__ import annotations

from dataclasses import dataclass

SLICE_SECONDS = 0.01  # ticking yields to the event loop at least this often
BASE_SHARE = 0.5  # the share of the loop's time ticking takes while rounds keep up
MAX_SHARE = 0.8  # the most it takes when rooms would otherwise wait past the frame gap
FRAME_GAP_SECONDS = 2.0  # a room that moves gets a frame at least this often, where it can


@dataclass
class Pacing:
    """One ticker's pace: the tick it aims at, and what its last round measured."""

    tick_seconds: float
    work_seconds: float = 0.0  # the last round's ticking, rests left out
    round_seconds: float = 0.0  # the last round from its start to its end, rests included
    rooms: int = 0  # the rooms the last round ticked

    @property
    def share(self) -> float:
        """The share of the loop's time the next round may spend ticking."""
        return share_for(self.work_seconds)

    @property
    def interval(self) -> float:
        """Seconds from one round's start to the next's: the tick, or the round when longer."""
        return max(self.tick_seconds, self.round_seconds)

    def wait_before_round(self) -> float:
        """How long to wait after a round before the next one starts.

        A long round already holds its rests, so the next one starts at once.
        """
        return max(0.0, self.tick_seconds - self.round_seconds)

    def rest_after_slice(self, worked: float) -> float:
        """How long to rest after a slice that ticked for `worked` seconds (0: go on)."""
        if worked <= SLICE_SECONDS:
            return 0.0
        return worked * (1 / self.share - 1)

    def projected_round(self, rooms: int) -> float:
        """How long a round of `rooms` rooms will take, rests included: the last round's
        work per room for each, at the share that work gets, or the last round's own length
        when that was longer.

        Rooms join faster than rounds end (a burst of pages opens hundreds in seconds), so a
        process deciding whether to take one more room reads this, not the last round.
        """
        if not self.rooms:
            return self.round_seconds
        work = self.work_seconds / self.rooms * rooms
        return max(self.round_seconds, work / share_for(work))

    def round_done(self, work_seconds: float, round_seconds: float, rooms: int) -> None:
        self.work_seconds = work_seconds
        self.round_seconds = round_seconds
        self.rooms = rooms


def share_for(work_seconds: float) -> float:
    """The share of the loop's time a round of `work_seconds` of ticking may take.

    BASE_SHARE, unless the work would then spread past FRAME_GAP_SECONDS: then just enough to
    end the round within it, up to MAX_SHARE.
    """
    return min(MAX_SHARE, max(BASE_SHARE, work_seconds / FRAME_GAP_SECONDS))
