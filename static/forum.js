// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Ask before destructive buttons (delete post, delete comment).
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  // Comma-separated inputs with suggestions for the word being typed, from a JSON endpoint.
  function attachAutocomplete(input) {
    var list = document.createElement("datalist");
    list.id = input.id + "-suggestions";
    input.setAttribute("list", list.id);
    input.after(list);
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var parts = input.value.split(",");
        var current = parts.pop().trim();
        if (!current) { list.replaceChildren(); return; }
        var prefix = parts.map(function (p) { return p.trim(); }).filter(Boolean);
        fetch(input.dataset.autocomplete + "?q=" + encodeURIComponent(current), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (items) {
            list.replaceChildren.apply(list, items.map(function (item) {
              var option = document.createElement("option");
              var value = item.name && !item.slug ? item.name : (item.slug || item.username);
              option.value = prefix.concat([value]).join(", ");
              option.label = item.display_name || item.name || value;
              return option;
            }));
          })
          .catch(function () {});
      }, 150);
    });
  }
  document.querySelectorAll("[data-autocomplete]").forEach(attachAutocomplete);
})();
