// The post editor, enhanced; it works without this file. It keeps the writer's work:
// - an unsaved new post is kept in this browser (localStorage) as it is typed, and comes back
//   in the empty editor (after an expired session's sign-in, a crash, a closed tab);
// - leaving with unsaved changes asks first;
// - Upload sends where the text cursor is, so the file's Markdown lands there;
// - the preview beside the text is rendered by the server (POST /posts/preview, the post page's
//   renderer) when Preview is pressed and whenever typing pauses, without reloading the page.
(function () {
  "use strict";
  var KEY = "forum:unsaved-new-post";
  var NEW_POST = "/posts/new";

  // A new post just published or saved: what was kept for it is not needed any more.
  try {
    var from = document.referrer ? new URL(document.referrer) : null;
    if (from && from.origin === location.origin && from.pathname === NEW_POST && /^\/posts\/\d+/.test(location.pathname)) {
      localStorage.removeItem(KEY);
    }
  } catch (e) { /* storage off: nothing kept */ }

  var form = document.querySelector("form.post-form");
  if (!form) { return; }
  var title = form.querySelector("[name=title]");
  var body = form.querySelector("[name=body]");
  var cursor = form.querySelector("[name=cursor]");
  var isNew = location.pathname === NEW_POST;
  var dirty = form.hasAttribute("data-unsaved");

  if (isNew && title && body && !title.value && !body.value) {
    try {
      var kept = JSON.parse(localStorage.getItem(KEY) || "null");
      if (kept && (kept.title || kept.body)) {
        title.value = kept.title || "";
        body.value = kept.body || "";
        dirty = true;
        var note = document.createElement("p");
        note.className = "notice";
        note.setAttribute("role", "status");
        note.textContent = "Restored the post you were writing (kept in this browser until you publish or save it).";
        form.prepend(note);
      }
    } catch (e) { /* nothing to restore */ }
  }

  var timer = null;
  form.addEventListener("input", function () {
    dirty = true;
    if (!isNew) { return; }
    clearTimeout(timer);
    timer = setTimeout(function () {
      try {
        localStorage.setItem(KEY, JSON.stringify({ title: title.value, body: body.value, at: Date.now() }));
      } catch (e) { /* storage full or off */ }
    }, 400);
  });

  var pane = document.getElementById("preview-pane");
  var csrf = form.querySelector("[name=csrf_token]");
  var asked = 0;
  function renderPreview() {
    if (!pane || !window.fetch || !window.FormData) { return false; }
    var sent = ++asked;
    var data = new FormData();
    data.append("body", body.value);
    if (csrf) { data.append("csrf_token", csrf.value); }
    var status = pane.querySelector(".preview-status");
    fetch(pane.getAttribute("data-url"), {
      method: "POST", body: data, credentials: "same-origin", headers: { Accept: "application/json" }
    }).then(function (response) {
      if (!response.ok) { throw response.status; }
      return response.json();
    }).then(function (result) {
      if (sent !== asked) { return; } // an older answer arriving late
      pane.querySelector(".preview-title").textContent = title.value;
      // Sanitized by the server (nh3 allow-list), as on the post page; no script runs under the CSP.
      pane.querySelector(".preview-body").innerHTML = result.html;
      status.textContent = "";
      pane.classList.remove("preview-empty");
    }).catch(function (code) {
      if (sent !== asked) { return; }
      status.textContent = code === 429 ? "Preview paused: too many updates. It resumes in a minute."
        : code === 401 || code === 400 ? "Preview unavailable: your session may have expired. Your text is still here."
        : "The preview could not be updated.";
      pane.classList.remove("preview-empty");
    });
    return true;
  }

  var previewTimer = null;
  form.addEventListener("input", function (event) {
    if (pane && event.target === title) {
      pane.querySelector(".preview-title").textContent = title.value;
      return;
    }
    if (event.target !== body) { return; }
    clearTimeout(previewTimer);
    previewTimer = setTimeout(renderPreview, 700);
  });

  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (button && button.name === "preview" && renderPreview()) {
      event.preventDefault(); // rendered in place; the text stays unsaved
      return;
    }
    dirty = false;
    if (cursor && body && button && button.name === "upload") {
      cursor.value = String(body.selectionStart);
    }
  });

  window.addEventListener("beforeunload", function (event) {
    if (dirty) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
