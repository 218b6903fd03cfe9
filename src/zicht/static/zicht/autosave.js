/* Autosave for diary forms: keeps a copy on the phone and on the server while typing,
   so a dropped connection or a closed tab loses nothing. No framework, a few hundred bytes. */
(function () {
  "use strict";
  var en = document.documentElement.lang === "en";
  var T = {
    saved: en ? "Saved as draft." : "Tussendoor opgeslagen.",
    offline: en ? "No connection. Your answers are kept on this device." : "Geen verbinding. Je antwoorden blijven bewaard op dit toestel.",
    retry: en ? "No connection right now. Your answers are kept; try sending again in a moment." : "Nu even geen verbinding. Je antwoorden zijn bewaard; probeer het zo nog eens."
  };
  var doneWindow = document.querySelector("[data-window-done]");
  if (doneWindow) { try { localStorage.removeItem("zicht-draft-" + doneWindow.getAttribute("data-window-done")); } catch (e) {} }
  var form = document.getElementById("diary");
  if (!form || !window.fetch || !window.FormData) return;
  var key = "zicht-draft-" + form.getAttribute("data-window");
  var statusEl = document.getElementById("save-status");
  var timer = null;

  function say(text) { if (statusEl) statusEl.textContent = text; }
  function entries() {
    var list = [];
    new FormData(form).forEach(function (value, name) { if (name !== "csrfmiddlewaretoken") list.push([name, value]); });
    return list;
  }
  function keepLocal(unsent) {
    try { localStorage.setItem(key, JSON.stringify({ unsent: unsent, entries: entries() })); } catch (e) {}
  }
  function send() {
    keepLocal(true);
    fetch(form.getAttribute("data-draft-url"), { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); keepLocal(false); say(T.saved); })
      .catch(function () { say(T.offline); });
  }
  function schedule() { clearTimeout(timer); keepLocal(true); timer = setTimeout(send, 1500); }
  function restore() {
    var saved;
    try { saved = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { saved = null; }
    if (!saved || !saved.unsent) return;
    var byName = {};
    saved.entries.forEach(function (pair) { (byName[pair[0]] = byName[pair[0]] || []).push(pair[1]); });
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name.charAt(0) === "_" || el.name === "csrfmiddlewaretoken" || !(el.name in byName)) return;
      var values = byName[el.name];
      if (el.type === "checkbox" || el.type === "radio") el.checked = values.indexOf(el.value) !== -1;
      else el.value = values[0];
      el.dispatchEvent(new Event("change", { bubbles: true }));
    });
    send();
  }
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  window.addEventListener("online", function () { send(); });
  form.addEventListener("submit", function (event) {
    if (navigator.onLine === false) { event.preventDefault(); keepLocal(true); say(T.retry); return; }
    var button = form.querySelector("button[type=submit]");
    // One tap sends once; the server also stores at most one response per window.
    if (form.getAttribute("data-sending")) { event.preventDefault(); return; }
    form.setAttribute("data-sending", "1");
    if (button) button.setAttribute("aria-disabled", "true");
  });
  restore();
})();
