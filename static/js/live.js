// Live frames for the lab and classroom: notice missed frames, keep the narration short,
// show the connection state, reconnect when the server asks to, and return a reconnected
// lab page to its own run. No inline script anywhere (the CSP forbids it). The actions it
// sends are named by the page (data-snapshot, data-reattach), which reads them from the
// action table: a page without one does not send it.
(function () {
  "use strict";
  var lastSeq = null;
  var room = null;
  var opened = 0;
  var note = null; // why the last connection closed, told again once the page is back
  // Close codes after which the page reconnects by itself: 1009/4009 a message over the
  // size limit, 4012 the room moved to another process, 4013 this page fell behind.
  var RECONNECT = { 1009: true, 4009: true, 4012: true, 4013: true };
  var TOO_BIG = { 1009: true, 4009: true };

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

  function setStatus(text, isError) {
    var el = document.getElementById("lab-status");
    if (!el) { return; }
    el.textContent = text;
    el.classList.toggle("is-error", !!isError);
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

  document.addEventListener("htmx:wsOpen", function (event) {
    lastSeq = null;
    opened += 1;
    setConnection("Live", "open");
    var el = root();
    var reattach = el && el.dataset.reattach;
    if (opened > 1 && room && reattach) {
      event.detail.socketWrapper.send(JSON.stringify({ action: reattach, room: room }));
    }
  });

  document.addEventListener("htmx:wsClose", function (event) {
    setConnection("Reconnecting…", "closed");
    var code = event.detail && event.detail.event && event.detail.event.code;
    if (TOO_BIG[code]) {
      note = "Not done: that message was over 16 KiB, so the server closed the connection.";
      setStatus(note + " Reconnecting…", true);
    }
    if (RECONNECT[code] && event.detail.socketWrapper) {
      setTimeout(function () { event.detail.socketWrapper.reconnect(); }, 300 + Math.random() * 700);
    }
  });

  document.addEventListener("htmx:wsAfterMessage", function (event) {
    trimNarration();
    var status = document.getElementById("lab-status");
    if (note && status && /^Reconnected/.test(status.textContent)) {
      setStatus(note + " " + status.textContent, true);
      note = null;
    }
    var frame = document.getElementById("lab-frame");
    if (!frame) { return; }
    room = frame.dataset.room || room;
    var seq = parseInt(frame.dataset.seq, 10);
    // A gap means a frame went missing: ask for a full snapshot instead of guessing.
    var snapshot = root() && root().dataset.snapshot;
    if (snapshot && lastSeq !== null && seq > lastSeq + 1 && event.detail && event.detail.socketWrapper) {
      event.detail.socketWrapper.send(JSON.stringify({ action: snapshot }));
    }
    lastSeq = seq;
  });
})();
