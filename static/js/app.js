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
// (A register mark is kept pending instead: see below.)
document.body.addEventListener("htmx:sendError", (event) => {
  if (keepPending(event.detail.elt)) return;
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

// --- The register: a mark that could not be sent stays pending on the page ----------------------
// A tap with no signal is never lost and never turned into something else. The card keeps the
// choice ("Not saved: no connection. Absent will be sent when the signal returns"); it is sent
// again when the connection returns (the `online` event) or at the next tap anywhere, and
// "All present" sends the server only the pupils shown as not marked, minus those with a pending
// mark, and says how many it left out. The counts on "All present" follow every single mark.
const pendingMarks = new Map(); // card id -> { path, values, label }
const lastTried = new WeakMap(); // a card's form -> what it last tried to send
const STATUS_LABELS = { present: "Present", late: "Late", absent: "Absent", left_early: "Left early",
  not_expected: "Not expected" };
let retrying = null;

const markCardOf = (elt) => (elt && elt.closest ? elt.closest(".app-mark-card") : null);
const isAllPresent = (elt) => Boolean(elt && elt.matches && elt.matches("[data-app-all-present]"));

function pendingLabel(values) {
  const statusKey = Object.keys(values).find((key) => key.endsWith("status"));
  const label = STATUS_LABELS[values[statusKey]] || "This mark";
  return Object.keys(values).some((key) => key.endsWith("details")) ? `${label} with its details` : label;
}

function showPending(card) {
  const mark = pendingMarks.get(card.id);
  if (!mark) return;
  card.dataset.appPending = "true";
  card.classList.add("app-mark-card--pending");
  const target = card.querySelector("[data-app-status-message]");
  if (target) {
    target.textContent = `Not saved: no connection. ${mark.label} will be sent when the signal returns.`;
    target.classList.add("app-status--error");
  }
}

// Recount each session: "All present" covers the cards not marked and not pending.
function refreshRegister() {
  document.querySelectorAll(".app-register__session").forEach((section) => {
    const cards = Array.from(section.querySelectorAll(".app-mark-card"));
    cards.forEach(showPending);
    const pending = cards.filter((card) => pendingMarks.has(card.id));
    const toMark = cards.filter((card) => card.dataset.appMarked !== "true" && !pendingMarks.has(card.id));
    const form = section.querySelector("[data-app-all-present]");
    if (form) {
      const count = form.querySelector("[data-app-count]");
      if (count) count.textContent = `${toMark.length} not marked yet this ${form.dataset.appPart}`;
      form.hidden = toMark.length === 0;
    }
    const note = section.querySelector("[data-app-pending-note]");
    if (note) {
      const n = pending.length;
      note.textContent = n ? `${n} mark${n === 1 ? "" : "s"} not yet saved — not included in "All present".` : "";
    }
    const done = section.querySelector("[data-app-all-marked]");
    if (done) done.hidden = toMark.length > 0 || pending.length > 0;
  });
}

// The request failed without reaching the server: keep what the key worker chose.
function keepPending(elt) {
  const card = markCardOf(elt);
  const tried = card && lastTried.get(elt);
  if (!tried) return false;
  pendingMarks.set(card.id, { ...tried, label: pendingLabel(tried.values) });
  const current = document.getElementById(card.id);
  if (current) showPending(current);
  refreshRegister();
  return true;
}

// Send the pending marks again (not the one on the card being tapped: that new tap replaces it).
function retryPending(except) {
  if (retrying) return retrying;
  if (!pendingMarks.size || navigator.onLine === false) return Promise.resolve();
  const jobs = [];
  pendingMarks.forEach((mark, cardId) => {
    if (except && except.id === cardId) return;
    const source = document.querySelector(`#${CSS.escape(cardId)} form.app-mark-form`);
    if (!source) return;
    jobs.push(window.htmx.ajax("POST", mark.path, { source, values: mark.values, target: `#${CSS.escape(cardId)}`,
      swap: "outerHTML" }).catch(() => {}));
  });
  retrying = Promise.all(jobs).finally(() => {
    retrying = null;
    refreshRegister();
  });
  return retrying;
}

document.body.addEventListener("htmx:configRequest", (event) => {
  const { elt, formData } = event.detail;
  if (isAllPresent(elt)) {
    // Send only the pupils shown as not marked, and name the ones with a pending mark.
    const section = elt.closest(".app-register__session");
    const cards = section ? Array.from(section.querySelectorAll(".app-mark-card")) : [];
    formData.delete("placement");
    formData.delete("pending");
    cards.forEach((card) => {
      if (pendingMarks.has(card.id)) formData.append("pending", card.dataset.appPlacement);
      else if (card.dataset.appMarked !== "true") formData.append("placement", card.dataset.appPlacement);
    });
    return;
  }
  const card = markCardOf(elt);
  if (card) {
    // A new tap on this card supersedes whatever was pending for it.
    lastTried.set(elt, { path: event.detail.path, values: Object.fromEntries(formData) });
  }
});

// The server has answered (saved, or said what is wrong): nothing is pending for that card any more.
// (beforeOnLoad comes before the swap, while the form is still in the page; afterRequest would
// fire on a form already swapped out, which never reaches document.body.)
document.body.addEventListener("htmx:beforeOnLoad", (event) => {
  const card = markCardOf(event.detail.elt);
  if (card && pendingMarks.delete(card.id)) {
    card.classList.remove("app-mark-card--pending");
    delete card.dataset.appPending;
  }
});

// "All present" waits for pending marks being sent, so it never races them.
document.body.addEventListener("htmx:confirm", (event) => {
  if (!isAllPresent(event.detail.elt) || !retrying) return;
  event.preventDefault();
  retrying.finally(() => event.detail.issueRequest(true));
});

document.body.addEventListener("htmx:afterSettle", refreshRegister);
window.addEventListener("online", () => retryPending());
document.addEventListener("pointerdown", (event) => {
  if (pendingMarks.size) retryPending(markCardOf(event.target));
}, true);
let lastKeyRetry = 0;
document.addEventListener("keydown", (event) => {
  // Typing a note should not send a request per key: at most one try every few seconds.
  if (!pendingMarks.size || Date.now() - lastKeyRetry < 5000) return;
  lastKeyRetry = Date.now();
  retryPending(markCardOf(event.target));
}, true);
window.addEventListener("beforeunload", (event) => {
  if (pendingMarks.size) event.preventDefault(); // leaving would lose a mark not yet saved
});
refreshRegister();
