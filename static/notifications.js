// The bell's unread count, kept current without reloading: a small JSON endpoint that
// answers only the viewer's own count, already filtered by what they may read now.
(function () {
  "use strict";
  var bell = document.querySelector(".bell[data-count-url]");
  if (!bell) { return; }
  var badge = bell.querySelector(".bell-count");
  var seconds = Math.max(1, parseInt(bell.dataset.pollSeconds, 10) || 30);

  function show(unread) {
    badge.textContent = unread >= 100 ? "99+" : String(unread);  // the server counts up to 100
    badge.classList.toggle("empty", unread === 0);
  }

  function poll() {
    if (document.hidden) { return; }
    fetch(bell.dataset.countUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data && typeof data.unread === "number") { show(data.unread); } })
      .catch(function () {});
  }

  setInterval(poll, seconds * 1000);
  document.addEventListener("visibilitychange", poll);
})();
