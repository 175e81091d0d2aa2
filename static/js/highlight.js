// A replayed class in the lab: circle the student's own customer on the floor after every
// frame (the page's [data-highlight] names it). No inline script: the CSP forbids it.
(function () {
  "use strict";
  function mark() {
    var root = document.querySelector("[data-highlight]");
    if (!root) { return; }
    var selector = '[data-customer="' + CSS.escape(root.dataset.highlight) + '"]';
    document.querySelectorAll(selector).forEach(function (el) { el.classList.add("is-me"); });
  }
  document.addEventListener("DOMContentLoaded", mark);
  document.addEventListener("htmx:wsAfterMessage", mark);
})();
