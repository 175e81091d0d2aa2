"""Where the scene's things sit: the grid of tables, the chairs, shelves and bands, in SVG units.

Every measure of the drawing is declared here once; the memory (`memory.py`) seats customers at
`SEATS`, the context (`context.py`) places everything else from these numbers.
"""

from __future__ import annotations

CELL_W = 200
CELL_H = 172
LEFT = 150  # door, host stand and the scene's counters
BAND_Y = 40  # under the host's words: who went where and why, in two lines
BAND_H = 44  # the break labels, two lines, above the floor: in a laptop's first screen
BAND_LINE = 21
TOP = BAND_Y + BAND_H + 4  # where the floor starts
PANTRY_H = 92
PANTRY_ROWS = (28, 49)  # where the pantry's two rows of carts sit
SEATS = ((62, 22), (138, 22), (62, 100), (138, 100))
SHELF_SLOTS = 8  # carts drawn on a shelf, the last slot for "+N" when more
BUSY_SHELF_SLOTS = 6  # with many tables: the frame stays small and quick to render
BUSY_TABLES = 6
BUSY_CHAIRS = 2  # customers drawn at each table's chairs when there are many tables
SLOT_W = 24
WHY_CHAR_W = 7.4  # SVG units per character of the host's reason (13 units, digits are wide)
# A compact scene (a lesson figure) drops the door-and-host column and keeps to two columns
# of tables, so a phone draws it at about 0.85 of its size; there its letters are 1.25 times
# larger (scene.css), and lines of words are measured at that size.
COMPACT_TEXT = 1.25
COMPACT_COLUMNS = 2
NAME_COLS = 2  # class nicknames listed under each table: 16 a table, 64 for four
NAME_COL_W = 92
NAME_ROWS = 8
NAME_ROW_H = 16
NAME_CHARS = 9
MAX_NAMES = 60  # nicknames drawn on the whole scene; "+N" past that


def columns(count: int) -> int:
    """How many columns of tables the floor has for `count` tables."""
    if count <= 2:
        return max(count, 1)
    if count <= 4:
        return 2
    if count <= 9:
        return 3
    return 4
