// Vote buttons update in place. Every button submits the page's one form (#vote-form, with the
// CSRF token and the page to come back to) to the one vote endpoint, its value naming what it
// votes on: "kind:id:axis:choice", then ":shown" when the page shows a vote (vote_html.py).
// Without this file that form posts and the server redirects back.
(function () {
  "use strict";

  // The button's value with the vote the widget now shows ("none": left out).
  function withShown(value, vote) {
    var parts = value.split(":").slice(0, 4);
    if (vote !== "none") parts.push(vote);
    return parts.join(":");
  }

  function render(widget, data) {
    var axis = widget.dataset.axis;
    var total = axis === "agreement" ? data.agreement : data.score;
    var count = axis === "agreement" ? data.agreement_count : data.vote_count;
    var totalEl = widget.querySelector("[data-vote-total]");
    var noun = totalEl.dataset.voteNoun || "vote";
    var current = data.vote || "none";
    totalEl.textContent = String(total);
    totalEl.title = count + " " + noun + (count === 1 ? "" : "s");
    widget.dataset.current = current;
    widget.querySelectorAll("button[name=vote]").forEach(function (button) {
      var mine = button.value.split(":")[3] === data.vote;
      button.setAttribute("aria-pressed", mine ? "true" : "false");
      button.value = withShown(button.value, current);
    });
  }

  function showError(widget, message) {
    var note = widget.querySelector(".vote-error");
    if (!note) {
      note = document.createElement("span");
      note.className = "vote-error flash-error";
      note.setAttribute("role", "status");
      widget.appendChild(note);
    }
    note.textContent = message;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    if (!form.matches || !form.matches("form#vote-form") || !window.fetch) return;
    if (!button || button.name !== "vote") return;
    var widget = button.closest("[data-vote]");
    if (!widget) return;
    event.preventDefault();
    if (widget.getAttribute("aria-busy") === "true") return;  // a double click sends one request
    var vote = withShown(button.value, widget.dataset.current || "none");
    var body = new FormData(form);
    body.set("vote", vote);
    var token = form.querySelector("input[name=csrf_token]");
    var action = form.getAttribute("action");
    widget.setAttribute("aria-busy", "true");
    fetch(action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": token ? token.value : "" }
    })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("application/json") === -1) {
          // Not ours to explain (an expired form, a page gone): send the plain form and
          // let the server's page say it. submit() fires no submit event, so no loop.
          var value = document.createElement("input");
          value.type = "hidden"; value.name = "vote"; value.value = vote;
          form.appendChild(value);
          form.submit();
          return null;
        }
        return response.json().then(function (data) {
          if (response.ok) {
            render(widget, data);
            var old = widget.querySelector(".vote-error");
            if (old) old.remove();
            // A new or unverified account's vote is kept but not counted yet (docs/karma.md).
            if (data.pending) showError(widget, "Your vote is kept; it counts once your account is verified and a few days old.");
          }
          else showError(widget, (data.error && data.error.message) || "The vote was not recorded.");
        });
      })
      .catch(function () { showError(widget, "The vote was not recorded; check your connection."); })
      .finally(function () { if (widget.getAttribute("aria-busy") === "true") widget.removeAttribute("aria-busy"); });
  });
})();
