// The lab's controls, in the page: "Which table" offers only the tables that exist, and on a
// phone a control's effect comes into view.
(function () {
  "use strict";

  // Each frame's floor region carries the tables as server-rendered options in a <template>;
  // after every frame, copy them into the select that names that template, keeping the
  // viewer's choice while its table still exists.
  function signature(options) {
    return Array.prototype.map.call(options, function (option) {
      return option.value + "=" + option.textContent;
    }).join("|");
  }

  function syncTables() {
    document.querySelectorAll("select[data-options-from]").forEach(function (select) {
      var source = document.getElementById(select.dataset.optionsFrom);
      if (!source || !source.content) return;
      var fresh = source.content.querySelectorAll("option");
      if (signature(fresh) === signature(select.options)) return;
      var chosen = select.value;
      select.replaceChildren(source.content.cloneNode(true));
      var still = Array.prototype.some.call(select.options, function (option) {
        return option.value === chosen;
      });
      select.value = still ? chosen : "";
    });
  }

  // On a phone the controls float over the bottom of the screen (lab.css). When one is used
  // and the restaurant is out of sight (above the page's top, or under the controls), bring
  // the first floor into the space above them, so the learner sees what the control did.
  var phone = window.matchMedia("(max-width: 48rem)");
  var still = window.matchMedia("(prefers-reduced-motion: reduce)");

  function showFloor(event) {
    if (!phone.matches) return;
    var controls = event.target.closest && event.target.closest(".controls");
    var floor = document.querySelector(".restaurant .floor");
    if (!controls || !floor) return;
    // Only where the controls really float over the bottom (not, say, a teacher's long panel).
    var style = window.getComputedStyle(controls);
    if (style.position !== "sticky" || style.bottom !== "0px") return;
    if (controls.offsetHeight >= window.innerHeight / 2) return;
    // Where the controls' top will be once they float at the bottom of the screen.
    var room = Math.min(controls.getBoundingClientRect().top, window.innerHeight - controls.offsetHeight);
    var box = floor.getBoundingClientRect();
    if (box.top >= 0 && box.bottom <= room) return;
    var top = window.scrollY + box.top - Math.max(8, (room - box.height) / 2);
    window.scrollTo({ top: Math.max(0, top), behavior: still.matches ? "auto" : "smooth" });
  }

  document.addEventListener("htmx:wsAfterMessage", syncTables);
  document.addEventListener("DOMContentLoaded", syncTables);
  document.addEventListener("htmx:wsAfterSend", showFloor);
})();
