// Notifications are plain links; opening one (click, middle click, a new tab) also marks it
// read through its "Mark read" form, sent in the background so the navigation is not held up.
(function () {
  "use strict";
  function markRead(event) {
    var link = event.target.closest("a.notification-open[data-read-form]");
    if (!link || (event.type === "auxclick" && event.button !== 1)) { return; }
    var form = document.getElementById(link.dataset.readForm);
    if (!form) { return; }
    var token = form.querySelector("input[name=csrf_token]");
    var sent = fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      keepalive: true,
      headers: { "X-CSRFToken": token ? token.value : "" }
    }).catch(function () {});
    // A plain click in this tab waits for the mark, so the next page's bell already counts it.
    var plain = event.type === "click" && event.button === 0 &&
      !(event.ctrlKey || event.metaKey || event.shiftKey || event.altKey);
    if (plain) {
      event.preventDefault();
      sent.then(function () { window.location.href = link.href; });
    }
    link.removeAttribute("data-read-form");
    var item = link.closest(".notification");
    if (item) { item.classList.remove("unread"); }
    form.remove();
  }
  document.addEventListener("click", markRead);
  document.addEventListener("auxclick", markRead);
})();
