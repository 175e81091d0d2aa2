// "Which table" offers only the tables that exist. Each frame's floor region carries them as
// server-rendered options in a <template>; after every frame this copies them into the select
// that names that template, keeping the viewer's choice while its table still exists.
(function () {
  "use strict";

  function signature(options) {
    return Array.prototype.map.call(options, function (option) {
      return option.value + "=" + option.textContent;
    }).join("|");
  }

  function sync() {
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

  document.addEventListener("htmx:wsAfterMessage", sync);
  document.addEventListener("DOMContentLoaded", sync);
})();
