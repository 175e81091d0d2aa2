// The classroom's page behaviours (no inline script: the CSP forbids it).
// - A question that arrives on a phone takes over the screen and gets the focus.
// - "End class" asks first, in a <dialog>; only "End class" inside it sends the command.
// - A lesson plan's "Next step" sends the step's room set-up over the class's websocket.
(function () {
  "use strict";
  var shownQuestion = null;

  function focusNewQuestion() {
    var quiz = document.querySelector("#student-quiz.takes-over");
    if (!quiz) { shownQuestion = null; return; }
    var closes = quiz.querySelector("[data-closes]");
    var id = closes ? closes.dataset.closes : "open";
    if (id === shownQuestion) { return; }
    shownQuestion = id;
    quiz.scrollTop = 0;
    quiz.focus();
  }

  document.addEventListener("htmx:wsAfterMessage", focusNewQuestion);
  document.addEventListener("DOMContentLoaded", focusNewQuestion);

  // A button with data-opens="<dialog id>" opens that dialog (Escape and "Keep teaching" close it).
  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-opens]");
    if (!opener) { return; }
    var dialog = document.getElementById(opener.dataset.opens);
    if (dialog && dialog.showModal && !dialog.open) { dialog.showModal(); }
  });
  // A websocket form inside a dialog has done its job once sent: close the dialog.
  document.addEventListener("htmx:wsAfterSend", function (event) {
    var dialog = event.target.closest && event.target.closest("dialog[open]");
    if (dialog) { dialog.close(); }
  });
})();
