// Links to other posts on this site show the post's title on hover or focus, when the
// reader may read that post. Without this file they are plain links. A post the reader
// may not read answers 404 like a missing one, and then nothing is shown.
(function () {
  "use strict";

  var POST_PATH = /^\/posts\/(\d+)\/?$/;
  var cache = {};

  function postId(link) {
    var href = link.getAttribute("href") || "";
    var url;
    if (href.charAt(0) === "#") return null;  // footnotes and the table of contents
    try {
      url = new URL(href, window.location.href);
    } catch (e) {
      return null;
    }
    if (url.origin !== window.location.origin || url.pathname === window.location.pathname) return null;
    var match = POST_PATH.exec(url.pathname);
    return match ? match[1] : null;
  }

  function fetchTitle(id) {
    if (!cache[id]) {
      cache[id] = fetch("/posts/" + id + "/preview", {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      }).then(function (response) {
        return response.ok ? response.json() : null;
      }).then(function (data) {
        return data && typeof data.title === "string" ? data.title : null;
      }).catch(function () {
        return null;
      });
    }
    return cache[id];
  }

  function show(link, id) {
    fetchTitle(id).then(function (title) {
      if (!title) return;
      var tip = link.querySelector(".link-preview");
      if (!tip) {
        tip = document.createElement("span");
        tip.className = "link-preview";
        tip.setAttribute("role", "tooltip");
        tip.id = "link-preview-" + id + "-" + Math.random().toString(36).slice(2, 8);
        link.appendChild(tip);
        link.classList.add("link-preview-anchor");
        link.setAttribute("aria-describedby", tip.id);
      }
      tip.textContent = title;  // text, never markup
      tip.hidden = false;
    });
  }

  function hide(link) {
    var tip = link.querySelector(".link-preview");
    if (tip) tip.hidden = true;
  }

  document.querySelectorAll(".prose a[href]").forEach(function (link) {
    var id = postId(link);
    if (!id) return;
    link.addEventListener("mouseenter", function () { show(link, id); });
    link.addEventListener("focus", function () { show(link, id); });
    link.addEventListener("mouseleave", function () { hide(link); });
    link.addEventListener("blur", function () { hide(link); });
  });
})();
