// The real restaurant's page: each shop button is one real fetch from this browser to HAProxy
// (another port, so CORS with credentials); what came back is reported to the site, which
// asks the engine for its prediction and answers with the request's row (htmx swaps it in).
(function () {
  "use strict";

  var root = document.querySelector("[data-balancer-origin]");
  if (!root) return;
  var origin = root.dataset.balancerOrigin;  // HAProxy's (or nginx's) address, another port
  var report = document.getElementById(root.dataset.reportForm);
  var sending = document.getElementById("real-sending");
  // The cookies the lesson is about; this site's own cookies are not shown.
  var LESSON = ["SERVERID", "cart_session"];
  var ACTIONS = {
    view: ["GET", "/cart"],
    add: ["POST", "/cart/add?item="],
    checkout: ["POST", "/checkout"],
  };

  // A browser's cookies belong to the host, not the port: HAProxy's SERVERID and the table's
  // cart_session are readable here, which is how the page learns what Set-Cookie stored.
  function lessonCookies() {
    return document.cookie.split(/;\s*/).filter(function (pair) {
      return LESSON.indexOf(pair.split("=")[0]) >= 0;
    }).join("; ");
  }

  function fill(values) {
    Object.keys(values).forEach(function (name) {
      report.elements[name].value = values[name];
    });
  }

  // One request at a time: the engine judges reports in the order they arrive, and round
  // robin's next turn depends on every request before it. aria-disabled, not disabled, so
  // a keyboard user's focus stays on the button they pressed.
  function busy(on) {
    root.querySelectorAll("[data-real-action]").forEach(function (button) {
      button.setAttribute("aria-disabled", on ? "true" : "false");
    });
  }

  function send(action) {
    var method = ACTIONS[action][0];
    var path = ACTIONS[action][1];
    if (action === "add") path += encodeURIComponent(document.getElementById("real-item").value);
    var network = document.getElementById("real-network").value;
    var headers = {};
    if (network) headers["X-Client-IP"] = network;
    busy(true);
    sending.textContent = "Sending " + method + " " + path + " to " + root.dataset.balancerName + "…";
    fetch(origin + path, { method: method, credentials: "include", headers: headers, cache: "no-store" })
      .then(function (response) {
        return response.text().then(function (text) {
          return { status: response.status, text: text };
        });
      }, function () {
        return { status: 0, text: "" };
      })
      .then(function (result) {
        fill({
          status: result.status,
          method: method,
          path: path,
          network: network,
          answer: result.status === 200 ? result.text : "",
          after: lessonCookies(),
        });
        sending.textContent = "";
        report.requestSubmit();
      });
  }

  root.addEventListener("click", function (event) {
    var button = event.target.closest("[data-real-action]");
    if (button && button.getAttribute("aria-disabled") !== "true") send(button.dataset.realAction);
  });

  // The buttons come back once the site has answered with the request's row (or an error).
  report.addEventListener("htmx:afterRequest", function () {
    busy(false);
  });
})();
