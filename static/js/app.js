// Start GOV.UK Frontend's components, and again inside whatever htmx swaps in.
import { initAll } from "../vendor/govuk-frontend/govuk-frontend.min.js";

initAll();

document.body.addEventListener("htmx:afterSettle", (event) => {
  initAll({ scope: event.detail.elt });
});

// A request that could not reach the server (no signal at the farm gate) must not fail silently.
document.body.addEventListener("htmx:sendError", (event) => {
  const target = event.detail.elt.closest("[data-app-status]") || document.getElementById("app-connection-status");
  if (target) {
    target.textContent = "Not saved: no connection. Check your signal and try again.";
    target.classList.add("app-status--error");
  }
});

// Warn two minutes before the idle sign-out, with a way to stay signed in.
const idleWarning = document.getElementById("app-idle-warning");
if (idleWarning) {
  const limitMs = Number(idleWarning.dataset.idleSeconds) * 1000;
  const warnBeforeMs = 2 * 60 * 1000;
  let warnTimer;
  let endTimer;
  const csrfToken = () => JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
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
  // Any htmx request also renews the session on the server.
  document.body.addEventListener("htmx:afterRequest", schedule);
  schedule();
}
