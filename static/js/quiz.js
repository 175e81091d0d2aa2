// Quiz card helpers (no inline script: the CSP forbids it).
// 1. htmx 2 does not swap 4xx responses by default; the quiz answers bad input with a 400 or
//    409 card that explains what happened, so let those replace the quiz card too.
// 2. After an answer swaps in, move keyboard and screen-reader focus to the verdict.
document.addEventListener("htmx:beforeSwap", function (event) {
  var status = event.detail.xhr.status;
  var target = event.detail.target;
  if ((status === 400 || status === 409) && target && target.id === "quiz-card") {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

document.addEventListener("htmx:afterSwap", function () {
  var focus = document.querySelector("#quiz-card [data-quiz-focus]");
  if (focus) {
    focus.focus();
  }
});
