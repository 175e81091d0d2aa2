"""What every live room's frame renderer shares: each region's HTML cached by its inputs, the
HTML each region last had in a frame, and frames as ASCII.

A frame is a bundle of id-carrying partials; a region is left out of a frame when it did not
change since the last one, and rendered again only when its inputs changed (most of a frame's
cost is the template engine). A client's renderer says which regions a frame has and what
each is rendered from (the lab's `lbteach.lab.frames.FrameRenderer`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Regions:
    """Each region's last rendered HTML with its inputs, and its HTML as last sent."""

    cache: dict[str, tuple[dict, str]] = field(default_factory=dict)
    last: dict[str, str] = field(default_factory=dict)

    def html(self, key: str, inputs: dict, render: Callable[[dict], str]) -> str:
        """The region's HTML, rendered again (`render(inputs)`) only when its inputs changed."""
        cached = self.cache.get(key)
        if cached is not None and cached[0] == inputs:
            return cached[1]
        html = render(inputs)
        self.cache[key] = (inputs, html)
        return html

    def if_changed(self, key: str, html: str, full: bool) -> str:
        """The region's HTML if a viewer needs it: always in a snapshot, else when it changed.

        A snapshot leaves the record of what frames sent alone: it goes to one viewer only.
        """
        if full:
            return html
        if self.last.get(key) == html:
            return ""
        self.last[key] = html
        return html


def as_ascii(html: str) -> str:
    """The same HTML with every non-ASCII character as a character reference.

    A frame is encoded to UTF-8 once per viewer by the server; an ASCII-only string encodes
    as a plain copy, several times faster than one holding "·" or "→" (measured: that
    encoding was a sixth of daphne's time when fanning a frame out to 300 viewers).
    """
    return html.encode("ascii", "xmlcharrefreplace").decode("ascii")
