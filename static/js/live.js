// Live frames for the lab and classroom: notice missed frames, keep the narration short,
// show the connection state. No inline script anywhere (the CSP forbids it).
(function () {
  "use strict";
  var lastSeq = null;

  function root() { return document.querySelector("[ws-connect]"); }

  function trimNarration() {
    var limit = parseInt((root() && root().dataset.narrationLines) || "8", 10);
    document.querySelectorAll(".narration-list").forEach(function (list) {
      list.querySelectorAll("li.quiet").forEach(function (li) {
        if (list.children.length > 1) { li.remove(); }
      });
      while (list.children.length > limit) { list.removeChild(list.firstElementChild); }
    });
  }

  function setConnection(text, state) {
    var el = document.getElementById("connection");
    if (el) { el.textContent = text; el.dataset.state = state; }
  }

  // Countdowns tick here, so the server need not re-render (and reset) a form every second.
  function tickCountdowns() {
    var now = Date.now();
    document.querySelectorAll("[data-closes]").forEach(function (el) {
      var left = Math.max(0, Math.ceil((parseInt(el.dataset.closes, 10) - now) / 1000));
      el.textContent = left + " s";
    });
  }
  setInterval(tickCountdowns, 500);

  document.addEventListener("htmx:wsOpen", function () { lastSeq = null; setConnection("Live", "open"); });
  document.addEventListener("htmx:wsClose", function () { setConnection("Reconnecting…", "closed"); });

  document.addEventListener("htmx:wsAfterMessage", function (event) {
    trimNarration();
    var frame = document.getElementById("lab-frame");
    if (!frame) { return; }
    var seq = parseInt(frame.dataset.seq, 10);
    // A gap means a frame went missing: ask for a full snapshot instead of guessing.
    if (lastSeq !== null && seq > lastSeq + 1 && event.detail && event.detail.socketWrapper) {
      event.detail.socketWrapper.send(JSON.stringify({ action: "snapshot" }));
    }
    lastSeq = seq;
  });
})();
