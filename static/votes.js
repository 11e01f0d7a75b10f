// Vote buttons update in place. Without this file the same forms post and redirect back.
(function () {
  "use strict";

  function render(form, data) {
    var axis = form.dataset.axis;
    var total = axis === "agreement" ? data.agreement : data.score;
    var count = axis === "agreement" ? data.agreement_count : data.vote_count;
    var totalEl = form.querySelector("[data-vote-total]");
    var noun = totalEl.dataset.voteNoun || "vote";
    totalEl.textContent = String(total);
    totalEl.title = count + " " + noun + (count === 1 ? "" : "s");
    form.querySelector("[data-vote-current]").value = data.vote || "none";
    form.querySelectorAll("button[data-choice]").forEach(function (button) {
      var mine = button.dataset.choice === data.vote;
      button.setAttribute("aria-pressed", mine ? "true" : "false");
    });
  }

  function showError(form, message) {
    var note = form.querySelector(".vote-error");
    if (!note) {
      note = document.createElement("span");
      note.className = "vote-error flash-error";
      note.setAttribute("role", "status");
      form.appendChild(note);
    }
    note.textContent = message;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-vote]") || !window.fetch) return;
    var button = event.submitter;
    if (!button || !button.dataset.choice) return;
    event.preventDefault();
    if (form.getAttribute("aria-busy") === "true") return;  // a double click sends one request
    var body = new FormData(form);
    body.set("value", button.value);
    var token = form.querySelector("input[name=csrf_token]");
    form.setAttribute("aria-busy", "true");
    fetch(form.action, {
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
          value.type = "hidden"; value.name = "value"; value.value = button.value;
          form.appendChild(value);
          form.submit();
          return null;
        }
        return response.json().then(function (data) {
          if (response.ok) {
            render(form, data);
            var old = form.querySelector(".vote-error");
            if (old) old.remove();
            // A new or unverified account's vote is kept but not counted yet (docs/karma.md).
            if (data.pending) showError(form, "Your vote is kept; it counts once your account is verified and a few days old.");
          }
          else showError(form, (data.error && data.error.message) || "The vote was not recorded.");
        });
      })
      .catch(function () { showError(form, "The vote was not recorded; check your connection."); })
      .finally(function () { if (form.getAttribute("aria-busy") === "true") form.removeAttribute("aria-busy"); });
  });
})();
