// Security keys and passkeys (WebAuthn). The server makes the options and checks the
// answer; this file only hands them to the browser's navigator.credentials and puts the
// answer, as JSON, in the form's hidden "credential" field before the form is submitted.
// Without it the pages still work with codes, and say that keys need JavaScript.
(function () {
  "use strict";

  function toBytes(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) b64 += "=";
    var raw = atob(b64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < bytes.length; i++) raw += String.fromCharCode(bytes[i]);
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (item) {
      return { type: item.type, id: toBytes(item.id), transports: item.transports };
    });
  }

  function creationOptions(json) {
    var options = Object.assign({}, json);
    options.challenge = toBytes(json.challenge);
    options.user = Object.assign({}, json.user, { id: toBytes(json.user.id) });
    options.excludeCredentials = descriptors(json.excludeCredentials);
    return options;
  }

  function requestOptions(json) {
    var options = Object.assign({}, json);
    options.challenge = toBytes(json.challenge);
    options.allowCredentials = descriptors(json.allowCredentials);
    return options;
  }

  function answer(credential) {
    var response = credential.response;
    var out = { id: credential.id, rawId: toText(credential.rawId), type: credential.type, response: {} };
    out.response.clientDataJSON = toText(response.clientDataJSON);
    if (response.attestationObject) {
      out.response.attestationObject = toText(response.attestationObject);
      if (response.getTransports) out.response.transports = response.getTransports();
    } else {
      out.response.authenticatorData = toText(response.authenticatorData);
      out.response.signature = toText(response.signature);
      if (response.userHandle) out.response.userHandle = toText(response.userHandle);
    }
    out.clientExtensionResults = credential.getClientExtensionResults ? credential.getClientExtensionResults() : {};
    return JSON.stringify(out);
  }

  function status(form, message) {
    var note = form.querySelector("[data-webauthn-status]");
    if (note) note.textContent = message;
  }

  function fetchOptions(form, url) {
    var token = form.querySelector("input[name=csrf_token]");
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": token ? token.value : "" }
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) throw new Error(data.error || "The server refused.");
        return data;
      });
    });
  }

  function ceremony(form, url, create) {
    status(form, create ? "Touch your security key now." : "Touch your security key to sign in.");
    fetchOptions(form, url)
      .then(function (json) {
        return create
          ? navigator.credentials.create({ publicKey: creationOptions(json) })
          : navigator.credentials.get({ publicKey: requestOptions(json) });
      })
      .then(function (credential) {
        form.querySelector("input[name=credential]").value = answer(credential);
        // The form's button is named "submit", which hides form.submit: call the prototype's.
        HTMLFormElement.prototype.submit.call(form);
      })
      .catch(function (error) {
        status(form, "No key answered (" + (error && error.message ? error.message : "cancelled") + "). Try again.");
      });
  }

  function ready() {
    var supported = !!(window.PublicKeyCredential && navigator.credentials && window.fetch);
    document.querySelectorAll("form[data-webauthn-create]").forEach(function (form) {
      if (!supported) {
        status(form, "This browser cannot use security keys here (it needs WebAuthn over HTTPS or localhost).");
        return;
      }
      status(form, "Name the key, then press the button and touch the key.");
      form.addEventListener("submit", function (event) {
        if (form.querySelector("input[name=credential]").value) return;  // the answer is in: send it
        event.preventDefault();
        if (!form.querySelector("input[name=name]").value.trim()) {
          status(form, "Name your key first.");
          return;
        }
        ceremony(form, form.dataset.webauthnCreate, true);
      });
    });
    document.querySelectorAll("form[data-webauthn-get]").forEach(function (form) {
      var button = form.querySelector("[data-webauthn-start]");
      if (!supported || !button) return;
      button.hidden = false;
      status(form, "");
      button.addEventListener("click", function () {
        ceremony(form, form.dataset.webauthnGet, false);
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
