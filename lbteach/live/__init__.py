"""The live-room framework: what every live restaurant (a lab, a class) is served through.

It imports no feature package (`lab`, `classroom`); they import it (tests/test_import_graph.py).

- `actions`: roles and `Sender`, `Action` (each declared once), `ActionTable` and its one
  dispatcher, which acts on a room's host through the small `Host` protocol.
- `commands`: reading a viewer's message (size, JSON depth, field checks) into a `Command`.
- `ratelimit`: token buckets, per socket, per person and per client address (Redis-shared).
- `broadcast`: viewers with one-frame mailboxes (sent from one outbox per loop turn),
  `LiveRoom` (a room, its renderer, its viewers), the per-process ticker, and `Registry`; a
  room is anything with a code, a frame number and a `tick()` (`LiveState`), a renderer
  anything with `render(full)`.
- `pacing`: the ticker's pace: when a round of ticks starts, how long it rests between slices,
  and how much of the event loop it may take to keep frames within 2 s.
- `consumers`: the one websocket consumer base (`RoomConsumer`) and `Reply`.
- `frames`: what every frame renderer shares: region HTML cached by its inputs, the HTML
  last sent per region, frames as ASCII.
- `keeper`: one notion of "needs saving" (`SavePoint`, a room's frame number) and the
  `Keeper` that saves a client's rooms in batches off the event loop.
- `origins`: the websocket origin check.
- `rooms`: a client's rooms in this process (`Rooms`): registered and kept saved, at most
  so many, the oldest unwatched making way, let go a while after their last viewer left.
- `room`: the room base (`RestaurantRoom`): one or two `LiveRestaurant`s over the engine,
  ticking, narration, history, saving to a dict and back.

Still in `lbteach/lab/` (issue 20 moves it here): the restaurant regions' renderer
(`lab/frames.py`).
"""
