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

  // The class ended: the teacher's page goes to the results, a phone's ending takes the focus
  // (a screen reader reads it), and the connection badge stops saying "Live".
  var ended = false;
  function showEnding() {
    var ending = document.querySelector("#class-ended.is-ended");
    if (!ending || ended) { return; }
    ended = true;
    var connection = document.getElementById("connection");
    if (connection) { connection.textContent = "Ended"; connection.dataset.state = "ended"; }
    if (ending.dataset.go) { window.location.assign(ending.dataset.go); return; }
    if (ending.hasAttribute("tabindex")) { ending.focus(); }
  }
  document.addEventListener("htmx:wsAfterMessage", showEnding);
  document.addEventListener("htmx:wsClose", function () {
    var connection = document.getElementById("connection");
    if (ended && connection) { connection.textContent = "Ended"; connection.dataset.state = "ended"; }
  });

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

  // -- the lesson plan beside the teacher's controls ---------------------------------------
  var socket = null;
  document.addEventListener("htmx:wsOpen", function (event) { socket = event.detail.socketWrapper; });

  function plan() { return document.querySelector("[data-plan]"); }
  function steps() { return plan() ? plan().querySelectorAll(".plan-step") : []; }
  function storeKey() { return "lbteach-plan:" + plan().dataset.plan; }

  function showStep(number) {
    var all = steps();
    all.forEach(function (li) {
      var current = parseInt(li.dataset.step, 10) === number;
      li.classList.toggle("is-current", current);
      li.classList.toggle("is-done", parseInt(li.dataset.step, 10) < number);
      if (current) { li.setAttribute("aria-current", "step"); } else { li.removeAttribute("aria-current"); }
    });
    var next = plan().querySelector("[data-plan-next]");
    var progress = plan().querySelector(".plan-progress");
    var following = all[number] ? all[number].dataset.title : null;
    if (number > 0) {
      progress.textContent = "Step " + number + " of " + all.length + ": " +
        all[number - 1].dataset.title + " (room set up)";
    }
    next.textContent = following ? "Next step: " + following : "Plan finished";
    next.disabled = !following;
  }

  // The controls beside the plan show what the step just set. Each control's form names the
  // action it sends (the action table's name, written by the template), and the control's own
  // name is the command's field.
  function sentBy(control) {
    var field = control.form && control.form.querySelector('input[name="action"]');
    return field ? field.value : null;
  }

  function mirrorControl(command) {
    ["balancer", "shared_sessions"].forEach(function (id) {
      var control = document.getElementById(id);
      if (!control || command.action !== sentBy(control)) { return; }
      var value = command[control.name];
      if (control.type === "checkbox") { control.checked = value === "on"; } else { control.value = value; }
    });
  }

  function runStep(number) {
    var li = document.getElementById("plan-step-" + number);
    if (!li || !socket) { return; }
    JSON.parse(li.dataset.commands).forEach(function (command) {
      socket.send(JSON.stringify(command));
      mirrorControl(command);
    });
    try { sessionStorage.setItem(storeKey(), String(number)); } catch (e) { /* private mode */ }
    showStep(number);
    li.scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("click", function (event) {
    if (!plan()) { return; }
    var ask = event.target.closest("[data-plan-ask]");
    if (ask && socket) {
      // The step's question, once the students are done with their phones.
      socket.send(ask.dataset.planAsk);
      ask.disabled = true;
      ask.textContent = "Question sent";
      return;
    }
    var run = event.target.closest("[data-plan-run]");
    if (run) { runStep(parseInt(run.dataset.planRun, 10)); return; }
    if (event.target.closest("[data-plan-next]")) {
      var current = plan().querySelector(".plan-step.is-current");
      runStep(current ? parseInt(current.dataset.step, 10) + 1 : 1);
    }
  });

  // A reload keeps the teacher's place in the plan (without sending the step again).
  document.addEventListener("DOMContentLoaded", function () {
    if (!plan()) { return; }
    var saved = null;
    try { saved = parseInt(sessionStorage.getItem(storeKey()) || "", 10); } catch (e) { saved = null; }
    if (saved > 0) { showStep(saved); }
  });
})();
