"""The drawn restaurant: the scene every live room and lesson shows, and the lessons' figures.

It imports none of its clients (`lab`, `classroom`, `lessons`); they import it
(tests/test_import_graph.py).

- `layout`: where things sit, in SVG units: the grid of tables, chairs, shelves, bands.
- `memory`: `SceneMemory`, what the scene remembers between frames (carts' faces, chairs,
  recent breaks), and `remember`, which brings it up to date once per frame.
- `words`: the host's line, the band's labels, the tables' captions and the summary.
- `context`: `scene_context`, one restaurant's scene as data (positions, states, words); pure.
- `svg`: `scene_svg`, that data as the SVG every page and frame shows (built without the
  template engine: a frame draws it every tick).
- `figures`: lesson figures, a preset played as a short loop, rendered once per process.
"""
