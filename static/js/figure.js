// Lesson figures: play a preset's precomputed scenes in a loop while the figure is on screen,
// with Step and Step back.
// The page already shows the still of the key moment; frames come from one cached address per
// figure, fetched the first time the figure plays. Reduced motion: the figure waits for Play.
(function () {
  "use strict";
  if (window.lbteachFigures) { return; } // the script comes with every figure: run once
  window.lbteachFigures = true;
  var reduce = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function Figure(el) {
    this.el = el;
    this.panels = el.querySelectorAll(".figure-panel");
    this.frames = null; // one list of scenes per panel, once fetched
    this.at = parseInt(this.panels[0].dataset.key, 10) || 0;
    this.playing = false;
    this.wanted = !reduce; // start by itself when scrolled into view, unless motion is reduced
    this.visible = false;
    this.timer = null;
    this.moment = el.querySelector("[data-moment]");
    var controls = el.querySelector(".figure-controls");
    controls.hidden = false;
    var self = this;
    controls.addEventListener("click", function (event) {
      var act = event.target.closest("button") && event.target.closest("button").dataset.act;
      if (act === "play") { self.wanted = true; self.update(); }
      if (act === "pause") { self.wanted = false; self.update(); }
      if (act === "step" || act === "back") {
        self.wanted = false;
        self.update();
        self.load(function () { self.show(self.at + (act === "back" ? -1 : 1)); });
      }
    });
  }

  Figure.prototype.load = function (then) {
    if (this.frames) { then(); return; }
    var self = this;
    fetch(this.el.dataset.frames, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (text) {
        var doc = new DOMParser().parseFromString(text, "text/html");
        self.frames = [];
        doc.querySelectorAll("[data-panel]").forEach(function (panel) {
          self.frames.push(Array.prototype.slice.call(panel.querySelectorAll("svg.scene")));
        });
        then();
      })
      .catch(function () { self.moment.textContent = "The moving figure could not load; the still stays."; });
  };

  Figure.prototype.show = function (index) {
    var count = this.frames[0].length;
    this.at = ((index % count) + count) % count;
    for (var i = 0; i < this.panels.length && i < this.frames.length; i++) {
      var svg = document.importNode(this.frames[i][this.at], true);
      var old = this.panels[i].querySelector("svg.scene");
      this.panels[i].replaceChild(svg, old);
      if (window.lbteachScene) { window.lbteachScene.walk(this.panels[i]); }
      this.tally(i, svg);
    }
    this.moment.textContent = "Moment " + (this.at + 1) + " of " + count;
  };

  // A pair's counts under it follow the frame shown (the scene's own data-count numbers).
  Figure.prototype.tally = function (i, svg) {
    var line = this.el.querySelector('[data-tally="' + i + '"]');
    if (!line) { return; }
    ["breaks", "lost"].forEach(function (name) {
      var from = svg.querySelector('[data-count="' + name + '"]');
      var to = line.querySelector('[data-tally-count="' + name + '"]');
      if (from && to) { to.textContent = from.textContent; }
    });
  };

  Figure.prototype.update = function () {
    var run = this.wanted && this.visible;
    if (run === this.playing) { return; }
    this.playing = run;
    this.el.classList.toggle("is-playing", run);
    var self = this;
    if (!run) { clearInterval(this.timer); this.timer = null; return; }
    this.load(function () {
      if (!self.playing || self.timer) { return; }
      // The server says how long a moment lasts (lbteach/lab/figures.py FRAME_MS).
      self.timer = setInterval(function () { self.show(self.at + 1); }, parseInt(self.el.dataset.every, 10) || 650);
    });
  };

  function start() {
    var figures = [];
    document.querySelectorAll("figure.scene-figure[data-frames]").forEach(function (el) {
      figures.push(new Figure(el));
    });
    if (!("IntersectionObserver" in window)) { return; }
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        var figure = figures.filter(function (f) { return f.el === entry.target; })[0];
        if (figure) { figure.visible = entry.isIntersecting; figure.update(); }
      });
    }, { threshold: 0.4 });
    figures.forEach(function (f) { observer.observe(f.el); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
