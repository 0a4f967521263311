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

// An autosaving form that is being submitted with its Save button must not send a late autosave.
document.addEventListener("submit", (event) => {
  if (event.target.matches("[data-app-autosave]")) event.target.dataset.appSubmitting = "true";
});
document.body.addEventListener("htmx:confirm", (event) => {
  const form = event.detail.elt.closest("[data-app-autosave]");
  if (form && form.dataset.appSubmitting) event.preventDefault();
});
