/* privet cookie banner. Include on a provider's site:
 *   <script src="https://privacy.example.net/privacy/banner.js" defer></script>
 * It asks which cookie classes the visitor allows, records the answer through
 * POST /privacy/banner/consent, and honours Global Privacy Control: with GPC on, opt-out
 * classes are refused without asking and the banner says "Opt-Out Request Honored".
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var base = script ? new URL(script.src).origin : "";
  var STORE = "privet_cookie_choices";
  var gpcOn = navigator.globalPrivacyControl === true;

  function save(answers) {
    try { localStorage.setItem(STORE, JSON.stringify(answers)); } catch (e) { /* storage may be off */ }
    document.dispatchEvent(new CustomEvent("privet:consent", { detail: answers }));
    return fetch(base + "/privacy/banner/consent", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      credentials: "include",
      body: JSON.stringify({ classes: answers, gpc: gpcOn })
    }).catch(function () { /* the choice is kept locally and applied even if recording fails */ });
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function show(config) {
    var box = el("section", { "role": "dialog", "aria-labelledby": "privet-banner-title", "id": "privet-banner",
      "style": "position:fixed;bottom:0;left:0;right:0;background:#fff;color:#111;border-top:3px solid #1d2b3a;padding:1rem;font:16px/1.5 system-ui,sans-serif;z-index:2147483647" });
    box.appendChild(el("h2", { "id": "privet-banner-title", "style": "margin:0 0 .5rem;font-size:1.1rem" }, config.provider + " uses cookies"));
    if (gpcOn || config.gpc) {
      box.appendChild(el("p", { "role": "status", "id": "privet-gpc" }, "Global Privacy Control: Opt-Out Request Honored"));
    }
    var form = el("form", {});
    config.classes.forEach(function (c) {
      var id = "privet-class-" + c.id;
      var wrap = el("p", { "style": "margin:.3rem 0" });
      var box2 = el("input", { "type": "checkbox", "id": id, "name": c.id });
      box2.checked = gpcOn ? false : c["default"];
      var label = el("label", { "for": id }, " " + c.name);
      wrap.appendChild(box2); wrap.appendChild(label);
      form.appendChild(wrap);
      if (c.setters && c.setters.length) {
        // Who sets these cookies and why, from the rules the class governs.
        var details = el("details", { "style": "margin:0 0 .4rem 1.6rem" });
        details.appendChild(el("summary", {}, "Who sets these cookies and why"));
        var list = el("ul", { "style": "margin:.2rem 0" });
        c.setters.forEach(function (s) {
          var who = s.name + (s.party === "first" ? " (first party)" : " (third party)");
          list.appendChild(el("li", {}, who + ": " + s.purposes.join("; ")));
        });
        details.appendChild(list);
        form.appendChild(details);
      }
    });
    var save_button = el("button", { "type": "submit", "style": "font:inherit;padding:.4rem 1rem;margin-right:.5rem" }, "Save choices");
    var refuse = el("button", { "type": "button", "style": "font:inherit;padding:.4rem 1rem" }, "Refuse all");
    form.appendChild(save_button); form.appendChild(refuse);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var answers = {};
      config.classes.forEach(function (c) { answers[c.id] = form.elements[c.id].checked; });
      save(answers).then(function () { box.remove(); });
    });
    refuse.addEventListener("click", function () {
      var answers = {};
      config.classes.forEach(function (c) { answers[c.id] = false; });
      save(answers).then(function () { box.remove(); });
    });
    box.appendChild(form);
    document.body.appendChild(box);
    save_button.focus();
  }

  function start() {
    // No cookie is needed to list the classes; the answer below is sent with credentials so a signed-in
    // subscriber's choice reaches their ledger. A site not on the deployment's allow-list gets no CORS
    // headers, so the fetch fails and no banner is shown.
    fetch(base + "/privacy/banner/classes", { credentials: "omit" }).then(function (r) {
      if (!r.ok) { throw new Error("privet banner: " + r.status); }
      return r.json();
    }).then(function (config) {
      var stored = null;
      try { stored = JSON.parse(localStorage.getItem(STORE) || "null"); } catch (e) { stored = null; }
      if (stored && !gpcOn) { return; }
      if (!config.classes.length) { return; }
      show(config);
    }).catch(function () { /* not allowed here, or the privacy center is unreachable: show nothing */ });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
