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
      // Keep what was typed in this tab (see stashTypedForms), then load this page again: the server
      // has ended the session, so it sends the page to sign-in and back here afterwards.
      stashTypedForms();
      window.location.href = window.location.pathname + window.location.search;
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
// --- No lost words ----------------------------------------------------------------------------
const csrfHeader = () => JSON.parse(document.body.getAttribute("data-hx-headers") || "{}")["X-CSRFToken"];

// Which forms someone has typed in (edits counted; autosave forms also count what the server has).
const edits = new WeakMap();
const editsOf = (form) => edits.get(form) || { made: 0, sent: 0, saved: 0, failed: false };
function noteEdit(event) {
  const form = event.target.form || (event.target.closest && event.target.closest("form"));
  if (!form || event.target.type === "file" || event.target.type === "password") return;
  const state = editsOf(form);
  state.made += 1;
  edits.set(form, state);
}
document.addEventListener("input", noteEdit, true);
document.addEventListener("change", noteEdit, true);

// An autosaving form ([data-app-autosave]) knows what the server has: what was sent and came back 2xx.
document.body.addEventListener("htmx:beforeRequest", (event) => {
  const form = event.detail.elt.closest && event.detail.elt.closest("form[data-app-autosave]");
  if (form) {
    const state = editsOf(form);
    state.sent = state.made;
    edits.set(form, state);
  }
});
document.body.addEventListener("htmx:afterRequest", (event) => {
  const form = event.detail.elt.closest && event.detail.elt.closest("form[data-app-autosave]");
  if (!form) return;
  const state = editsOf(form);
  if (event.detail.successful) {
    state.saved = Math.max(state.saved, state.sent);
    state.failed = false;
  } else {
    state.failed = true;
  }
  edits.set(form, state);
});
document.body.addEventListener("htmx:sendError", (event) => {
  const form = event.detail.elt.closest && event.detail.elt.closest("form[data-app-autosave]");
  if (form) editsOf(form).failed = true;
});

const unsaved = (form) => {
  const state = editsOf(form);
  return !form.dataset.appSubmitting && state.made > state.saved;
};
const KEEPALIVE_LIMIT = 60000; // browsers refuse keepalive bodies over 64 KB

// Send an autosaving form's unsaved answers now, even as the page goes away (fetch keepalive, with
// the CSRF token and the form's own htmx headers). If the page is still there, show the answer.
function flushAutosave(form) {
  if (!unsaved(form)) return true;
  const body = new URLSearchParams(new FormData(form));
  if (body.toString().length > KEEPALIVE_LIMIT || !navigator.onLine) return false;
  const state = editsOf(form);
  const sending = state.made;
  const headers = { "HX-Request": "true", "X-CSRFToken": csrfHeader(),
    ...JSON.parse(form.getAttribute("data-hx-headers") || "{}") };
  state.sent = sending;
  state.saved = sending; // optimistic: a failure below marks it again
  fetch(form.getAttribute("data-hx-post") || form.action, {
    method: "POST", body, headers, credentials: "same-origin", keepalive: true,
  }).then(async (response) => {
    const target = document.querySelector(form.getAttribute("data-hx-target") || "");
    const html = await response.text();
    if (target && window.htmx && html && (response.ok || response.status === 422)) {
      window.htmx.swap(target, html, { swapStyle: form.getAttribute("data-hx-swap") || "innerHTML" });
    }
    if (!response.ok) state.failed = true;
  }).catch(() => { state.failed = true; state.saved = Math.min(state.saved, sending - 1); });
  return true;
}
const flushAll = () => Array.from(document.querySelectorAll("form[data-app-autosave]")).map(flushAutosave)
  .every(Boolean);

// Leaving (a link, another app, closing the tab): save now. Warn only when it cannot be saved.
window.addEventListener("beforeunload", (event) => {
  const forms = Array.from(document.querySelectorAll("form[data-app-autosave]")).filter(unsaved);
  if (!forms.length) return;
  const cannot = forms.filter((form) => editsOf(form).failed || !flushAutosave(form));
  if (cannot.length) {
    event.preventDefault();
    event.returnValue = ""; // older browsers need this to show the warning
  }
});
window.addEventListener("pagehide", flushAll);
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "hidden") flushAll();
});

// --- Typing kept across the idle sign-out -----------------------------------------------------
// Before the idle timer moves the page to sign-in, what was typed into this page's forms is kept in
// this tab's sessionStorage (keyed by the page's address and the person), and put back after they
// sign in again and return here. Never passwords or files; cleared when the form is sent.
const STASH_PREFIX = "app-typed:";
const stashUser = () => (idleWarning ? idleWarning.dataset.user || "" : "");
const stashKey = () => STASH_PREFIX + window.location.pathname + window.location.search;
const KEPT_FIELDS = "input:not([type=hidden]):not([type=password]):not([type=file]):not([type=submit]), select, textarea";

function stashTypedForms() {
  const forms = Array.from(document.querySelectorAll("form")).filter((form) => editsOf(form).made > 0
    && (form.method || "").toLowerCase() === "post" && !form.querySelector("input[type=password]"));
  const kept = forms.map((form) => ({
    action: form.getAttribute("action") || "",
    fields: Array.from(form.querySelectorAll(KEPT_FIELDS)).filter((el) => el.name)
      .map((el) => [el.name, el.type === "checkbox" || el.type === "radio" ? (el.checked ? el.value : null)
        : el.multiple ? Array.from(el.selectedOptions).map((o) => o.value) : el.value]),
  }));
  if (!kept.length) return;
  try {
    sessionStorage.setItem(stashKey(), JSON.stringify({ user: stashUser(), at: Date.now(), forms: kept }));
  } catch (error) { /* storage full or switched off: nothing more we can do */ }
}

function restoreTypedForms() {
  let stash;
  try { stash = JSON.parse(sessionStorage.getItem(stashKey()) || "null"); } catch (error) { stash = null; }
  if (!stash) return;
  sessionStorage.removeItem(stashKey());
  if (!stashUser() || stash.user !== stashUser() || Date.now() - stash.at > 24 * 3600 * 1000) return;
  for (const kept of stash.forms) {
    const form = Array.from(document.querySelectorAll("form")).find((f) => (f.getAttribute("action") || "") === kept.action);
    if (!form) continue;
    const elements = Array.from(form.querySelectorAll(KEPT_FIELDS)).filter((el) => el.name);
    elements.forEach((el, index) => {
      const [name, value] = kept.fields[index] || [];
      if (name !== el.name) return; // the form has changed since: leave this box as it is
      if (el.type === "checkbox" || el.type === "radio") el.checked = value === el.value;
      else if (el.multiple) Array.from(el.options).forEach((o) => { o.selected = (value || []).includes(o.value); });
      else el.value = value;
    });
    const note = document.createElement("div");
    note.className = "govuk-inset-text app-restored-note";
    note.setAttribute("role", "status");
    note.textContent = "You were signed out, so we kept what you had typed here. Check it, then save or send it.";
    form.before(note);
    const state = editsOf(form);
    state.made += 1;
    edits.set(form, state);
    form.dispatchEvent(new Event("change", { bubbles: true })); // an autosaving form saves it now
  }
}
restoreTypedForms();

// A form that is sent no longer needs its kept copy; signing out on purpose forgets every copy.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.action && new URL(form.action, window.location.href).pathname.endsWith("/logout")) {
    Object.keys(sessionStorage).filter((k) => k.startsWith(STASH_PREFIX)).forEach((k) => sessionStorage.removeItem(k));
  } else {
    sessionStorage.removeItem(stashKey());
  }
});

// --- Evidence files: too large is said at the field, before a long upload ------------------------
const uploadMaxBytes = Number((document.querySelector("meta[name='app-upload-max-bytes']") || {}).content || 0);
const sizeWords = (bytes) => (bytes >= 1024 * 1024 ? `${+(bytes / (1024 * 1024)).toFixed(1)} MB` : `${Math.max(Math.floor(bytes / 1024), 1)} KB`);

function showFileError(input, message) {
  const group = input.closest(".govuk-form-group");
  const id = `${input.id}-error`;
  let error = document.getElementById(id);
  if (!message) {
    if (error && error.dataset.appClient) {
      error.remove();
      input.classList.remove("govuk-file-upload--error");
      if (group) group.classList.remove("govuk-form-group--error");
      input.setAttribute("aria-describedby", (input.getAttribute("aria-describedby") || "").split(" ").filter((x) => x && x !== id).join(" "));
    }
    return;
  }
  if (!error) {
    error = document.createElement("p");
    error.id = id;
    error.className = "govuk-error-message";
    error.dataset.appClient = "true";
    (input.closest(".govuk-drop-zone") || input).before(error);
    input.setAttribute("aria-describedby", `${input.getAttribute("aria-describedby") || ""} ${id}`.trim());
  }
  error.innerHTML = '<span class="govuk-visually-hidden">Error:</span> ';
  error.append(message);
  input.classList.add("govuk-file-upload--error");
  if (group) group.classList.add("govuk-form-group--error");
}

function checkFileSize(input) {
  const file = input.files && input.files[0];
  const tooLarge = uploadMaxBytes && file && file.size > uploadMaxBytes;
  showFileError(input, tooLarge ? `The selected file must be smaller than ${sizeWords(uploadMaxBytes)}. This one is ${sizeWords(file.size)}.` : "");
  return !tooLarge;
}
document.addEventListener("change", (event) => {
  if (event.target.matches && event.target.matches("input[type=file]")) checkFileSize(event.target);
});
document.addEventListener("submit", (event) => {
  const bad = Array.from(event.target.querySelectorAll("input[type=file]")).filter((input) => !checkFileSize(input));
  if (bad.length) {
    event.preventDefault();
    event.stopPropagation();
    delete event.target.dataset.appSubmitting;
    bad[0].focus();
  }
}, true);
