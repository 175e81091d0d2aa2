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

function quizFocusCard() {
  var focus = document.querySelector("#quiz-card [data-quiz-focus]");
  if (focus) {
    focus.focus();
  }
}

document.addEventListener("htmx:afterSwap", quizFocusCard);

// A card opened as a whole page (a drill link, "Next drill") takes focus too, unless the
// reader already moved it somewhere.
document.addEventListener("DOMContentLoaded", function () {
  if (!document.activeElement || document.activeElement === document.body) {
    quizFocusCard();
  }
});

// 3. Keyboard shortcuts on the quiz card (listed on the page under "Keyboard shortcuts"):
//    1-9 pick an option, Enter checks it; Space or Enter reveals a flashcard's answer;
//    1-4 rate a revealed flashcard (the next card then shows the rating); on an answered
//    card, Enter, Space, n or the right arrow go on. Keys typed into a text field are left alone.
function quizAnnounce(message) {
  var status = document.getElementById("quiz-shortcut-status");
  if (status) {
    status.textContent = message;
  }
}

function quizTyping(target) {
  if (!target || !target.tagName) {
    return false;
  }
  var tag = target.tagName.toLowerCase();
  if (tag === "textarea" || tag === "select" || target.isContentEditable) {
    return true;
  }
  return tag === "input" && ["radio", "checkbox", "submit", "button"].indexOf(target.type) < 0;
}

function quizOptionLabel(input) {
  var label = input.closest("label");
  return label ? label.textContent.trim().replace(/\s+/g, " ") : "";
}

document.addEventListener("keydown", function (event) {
  var card = document.getElementById("quiz-card");
  if (!card || event.ctrlKey || event.metaKey || event.altKey || quizTyping(event.target)) {
    return;
  }
  var key = event.key;
  var onControl = event.target && ["button", "a", "summary"].indexOf(event.target.tagName.toLowerCase()) >= 0;
  if (/^[1-9]$/.test(key)) {
    var rate = card.querySelector('[data-shortcut-rate="' + key + '"]');
    if (rate) {
      event.preventDefault();
      quizAnnounce("Rated " + rate.firstChild.textContent.trim() + ".");
      rate.click();
      return;
    }
    var option = card.querySelector('[data-shortcut-option="' + key + '"]');
    if (option) {
      event.preventDefault();
      option.checked = option.type === "checkbox" ? !option.checked : true;
      option.focus();
      quizAnnounce("Option " + key + (option.checked ? " selected: " : " cleared: ") + quizOptionLabel(option));
    }
    return;
  }
  var next = card.querySelector("[data-shortcut-next]");
  if (next && !onControl && (key === " " || key === "Enter" || key === "n" || key === "ArrowRight")) {
    event.preventDefault();
    quizAnnounce("Next.");
    next.click();
    return;
  }
  if ((key === " " || key === "Enter") && !onControl) {
    var reveal = card.querySelector("[data-shortcut-reveal]");
    if (reveal) {
      event.preventDefault();
      quizAnnounce("Revealing the model answer.");
      reveal.click();
      return;
    }
    if (key === "Enter") {
      var picked = card.querySelector("[data-shortcut-option]:checked");
      if (picked && picked.form) {
        event.preventDefault();
        quizAnnounce("Checking your answer.");
        picked.form.requestSubmit();
      }
    }
  }
});
