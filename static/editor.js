// The post editor, enhanced; it works without this file. It keeps the writer's work:
// - an unsaved new post is kept in this browser (localStorage) as it is typed, and comes back
//   in the empty editor (after an expired session's sign-in, a crash, a closed tab);
// - leaving with unsaved changes asks first;
// - Upload sends where the text cursor is, so the file's Markdown lands there.
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

  form.addEventListener("submit", function (event) {
    dirty = false;
    var button = event.submitter;
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
