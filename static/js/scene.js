// The restaurant scene's motion: each customer seated this frame (class "walk") walks from the door to the
// host, then to their seat. The server says where (the scene's data-walk-from: door x y, host
// x y; the seat is the figure's own transform); we only animate. With reduced motion, figures simply appear.
(function () {
  "use strict";
  if (window.lbteachScene) { return; } // included once per restaurant: run once
  var reduce = window.matchMedia ? window.matchMedia("(prefers-reduced-motion: reduce)") : null;
  var walked = typeof WeakSet === "function" ? new WeakSet() : null;
  var SEAT = /translate\(\s*([-\d.]+)[\s,]+([-\d.]+)\s*\)/;

  function px(x, y) { return "translate(" + x + "px," + y + "px)"; }

  function walk(root) {
    if (!root || (reduce && reduce.matches) || !walked) { return; }
    var figures = root.querySelectorAll("svg[data-walk-from] g[data-customer].walk");
    for (var i = 0; i < figures.length; i++) {
      var g = figures[i];
      if (walked.has(g) || typeof g.animate !== "function") { continue; }
      walked.add(g);
      var p = g.ownerSVGElement.getAttribute("data-walk-from").split(" ");
      var seat = SEAT.exec(g.getAttribute("transform") || "");
      if (p.length !== 4 || !seat) { continue; }
      g.animate(
        [
          { transform: px(p[0], p[1]), opacity: 0.2 },
          { transform: px(p[2], p[3]), opacity: 1, offset: 0.3 },
          { transform: px(seat[1], seat[2]) }
        ],
        { duration: 380, delay: Math.min(i * 12, 120), easing: "ease-in-out", fill: "backwards" }
      );
    }
  }

  window.lbteachScene = { walk: walk };
  document.addEventListener("htmx:wsAfterMessage", function () { walk(document); });
  document.addEventListener("DOMContentLoaded", function () { walk(document); });
})();
