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

One student's "Add to cart", phone to projector, as the code does it (four back-and-forths,
numbered). The phone's button (rendered from `classroom.actions.CLASS_ACTIONS`) sends
`{"action": "add_to_cart"}`; `consumers.RoomConsumer.receive` checks its size and the
person's budget and hands it to the class's home (`classroom.home.ClassHome`; from another
process, a relay carries it there over the channel layer). The home calls
`CLASS_ACTIONS.dispatch(home, ...)` (`actions`), which parses it, checks the role and calls
back the home as its `Host` (1: `admit`, `apply`, `changed`); `apply` runs the room
(`classroom.room.ClassRoom.apply`, the replay log, then `room.RestaurantRoom.apply`), which
runs the table's effect, which calls the room back (2: `ClassRoom.student_action` asks the
engine for a table and notes the seat); the dispatcher then awaits the action's `keep`
(`classroom.students.count_action`) and `changed`, which asks for a frame
(`broadcast.LiveRoom.push_soon`). The push renders once (3: `lab.frames.FrameRenderer`
builds the engine's view once and the restaurant's regions, and calls back
`classroom.frames.ClassFrameRenderer.extra_regions` for the roster and quiz), then calls the
home back (4: `on_push`, `ClassHome._after_push`: the frame to other processes' relays, and
each changed phone card from the same view), and leaves the frame in every viewer's mailbox:
the projector's consumer sends it, and the page swaps each region by id.

The restaurant's regions (host stand, floor, metrics, narration, the lab's share link and
compare verdict) are drawn by the lab's renderer (`lab/frames.py`), which the class's
extends with its roster and quiz: what they draw is the lab's, and what every renderer
shares (the region cache, frames as ASCII) is here in `frames`.
"""
