// Start GOV.UK Frontend's components, and again inside whatever htmx swaps in.
import { initAll } from "../vendor/govuk-frontend/govuk-frontend.min.js";

initAll();

document.body.addEventListener("htmx:afterSettle", (event) => {
  initAll({ scope: event.detail.elt });
});

// Where to say that a request failed: the [data-app-status-message] inside the nearest
// [data-app-status] region (so the region's content stays), else that region itself.
function statusTarget(elt) {
  const region = elt.closest("[data-app-status]");
  if (region) {
    return region.querySelector("[data-app-status-message]") || region;
  }
  return document.getElementById("app-connection-status");
}

// A request that could not reach the server (no signal at the farm gate) must not fail silently.
document.body.addEventListener("htmx:sendError", (event) => {
  const target = statusTarget(event.detail.elt);
  if (target) {
    target.textContent = "Not saved: no connection. Check your signal and try again.";
    target.classList.add("app-status--error");
  }
});

// Only real activity keeps a session alive. A request the page makes by itself (the board's
// 60-second poll, an autosave) is sent with "X-Background: 1", which the server does not count
// as activity, unless the person pressed a key, tapped, clicked, typed or scrolled since the last
// request that did count. So an open board still signs out after the idle time.
const BACKGROUND_HEADER = "X-Background";
let activeSinceRenewal = false;
for (const type of ["keydown", "pointerdown", "input", "wheel", "touchstart"]) {
  document.addEventListener(type, () => { activeSinceRenewal = true; }, { capture: true, passive: true });
}
document.body.addEventListener("htmx:configRequest", (event) => {
  if (!activeSinceRenewal) event.detail.headers[BACKGROUND_HEADER] = "1";
});
document.body.addEventListener("htmx:beforeSend", (event) => {
  const headers = (event.detail.requestConfig && event.detail.requestConfig.headers) || {};
  if (headers[BACKGROUND_HEADER] !== "1") activeSinceRenewal = false;  // this one renews the session
});

// Warn two minutes before the idle sign-out, with a way to stay signed in.
const idleWarning = document.getElementById("app-idle-warning");
if (idleWarning) {
  const limitMs = Number(idleWarning.dataset.idleSeconds) * 1000;
  const warnBeforeMs = 2 * 60 * 1000;
  let warnTimer;
  let endTimer;
  const csrfToken = () => JSON.parse(document.body.getAttribute("data-hx-headers") || "{}")["X-CSRFToken"];
  const schedule = () => {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    idleWarning.hidden = true;
    warnTimer = setTimeout(() => {
      idleWarning.hidden = false;
      document.getElementById("app-idle-extend").focus();
    }, Math.max(limitMs - warnBeforeMs, 0));
    endTimer = setTimeout(() => {
      window.location.href = idleWarning.dataset.loginUrl;
    }, limitMs + 1000);
  };
  document.getElementById("app-idle-extend").addEventListener("click", async () => {
    const response = await fetch(idleWarning.dataset.extendUrl, {
      method: "POST", headers: { "X-CSRFToken": csrfToken() }, credentials: "same-origin",
    });
    if (response.ok) schedule();
  });
  // A request the person caused renews the session on the server; a background one does not.
  document.body.addEventListener("htmx:afterRequest", (event) => {
    const headers = (event.detail.requestConfig && event.detail.requestConfig.headers) || {};
    if (headers[BACKGROUND_HEADER] !== "1") schedule();
  });
  schedule();
}
// The server answered with an error it did not render for swapping (403, 404, 500…).
document.body.addEventListener("htmx:responseError", (event) => {
  const target = statusTarget(event.detail.elt);
  if (target) {
    target.textContent = "Not saved: something went wrong. Reload the page and try again.";
    target.classList.add("app-status--error");
  }
});

// A region that refreshes itself (data-app-poll) waits while someone is working inside it:
// typing in a field, or with a form opened in a <details>.
document.body.addEventListener("htmx:beforeRequest", (event) => {
  const elt = event.detail.elt;
  if (!elt.hasAttribute || !elt.hasAttribute("data-app-poll")) {
    return;
  }
  const active = document.activeElement;
  const typing = active && active !== document.body && elt.contains(active) && active.matches("input, select, textarea");
  if (typing || elt.querySelector("details[open]")) {
    event.preventDefault();
  }
});

// An autosaving form that is being submitted with its Save button must not send a late autosave.
document.addEventListener("submit", (event) => {
  if (event.target.matches("[data-app-autosave]")) event.target.dataset.appSubmitting = "true";
});
document.body.addEventListener("htmx:confirm", (event) => {
  const form = event.detail.elt.closest("[data-app-autosave]");
  if (form && form.dataset.appSubmitting) event.preventDefault();
});
