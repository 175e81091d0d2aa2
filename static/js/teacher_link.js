// The teacher link carries its key in the fragment (#key=...), which browsers never send to
// the server: this page posts it, so the key appears in no request line and no log.
(function () {
  "use strict";
  const form = document.querySelector("[data-teacher-claim]");
  if (!form) return;
  const field = form.querySelector("input[name=key]");
  // A pasted whole link works as well as the bare key.
  form.addEventListener("submit", function () {
    const found = /#key=([\w-]+)/.exec(field.value);
    if (found) field.value = found[1];
  });
  const fromLink = /^#key=([\w-]+)$/.exec(window.location.hash);
  if (!fromLink) return;
  history.replaceState(null, "", window.location.pathname); // out of the address bar
  if (document.querySelector("#teacher-key-error")) return; // that key was wrong already
  field.value = fromLink[1];
  form.submit();
})();
