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

  // Comment threads are <details> trees that collapse without this file. Two additions:
  // clicking a thread's line (the padding left of its replies) collapses the comment it
  // hangs from, as on most threaded forums; and a link to a comment (#c123) opens every
  // collapsed comment around it, so the target is never hidden.
  document.documentElement.classList.add("js");

  document.addEventListener("click", function (event) {
    var list = event.target;
    if (!(list instanceof HTMLOListElement) || !list.matches(".thread .thread")) { return; }
    var details = list.parentElement;
    if (!details || details.tagName !== "DETAILS") { return; }
    details.open = false;
    var summary = details.querySelector(":scope > summary");
    if (summary.getBoundingClientRect().top < 0) { summary.scrollIntoView({ block: "start" }); }
    summary.focus({ preventScroll: true });
  });

  function revealTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (!target || !target.matches(".comment")) { return; }
    var opened = false;
    for (var node = target; node; node = node.parentElement) {
      if (node.tagName === "DETAILS" && !node.open) { node.open = opened = true; }
    }
    if (opened) { target.scrollIntoView({ block: "start" }); }
  }
  window.addEventListener("hashchange", revealTarget);
  revealTarget();

  // The header's menus are <details> that open and close without this file; with it, a click
  // elsewhere or Escape closes an open one, as a menu does (Escape returns focus to its button).
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.nav-drop[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) { menu.open = false; }
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var menu = document.querySelector("details.nav-drop[open]");
    if (!menu) { return; }
    menu.open = false;
    menu.querySelector("summary").focus();
  });
})();
