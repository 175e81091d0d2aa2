// A teacher or projector link carries its key in the fragment (#key=...), which browsers
// never send to the server: the page the link opens posts it, so the key appears in no
// request line and no log.
(function () {
  "use strict";
  const form = document.querySelector("[data-key-claim]");
  if (!form) return;
  const field = form.querySelector("input[name=key]");
  // A pasted whole link works as well as the bare key.
  form.addEventListener("submit", function () {
    const found = /#key=([\w:-]+)/.exec(field.value);
    if (found) field.value = found[1];
  });
  function claim(retry) {
    const fromLink = /^#key=([\w:-]+)$/.exec(window.location.hash);
    if (!fromLink) return;
    history.replaceState(null, "", window.location.pathname); // out of the address bar
    if (!retry && form.querySelector("[data-wrong-key]")) return; // that key was wrong already
    field.value = fromLink[1];
    form.submit();
  }
  claim(false);
  // The link opened over this very page changes only the fragment: no new page loads.
  window.addEventListener("hashchange", function () { claim(true); });
})();
