// The owner's dashboard. Everything it shows comes from this backend's own API, called with
// the website id and key the owner pasted, which live in this tab's session storage only.
// The id is asked for as well as the key because the key ships in the site's pages, while
// the id stays with the owner.

import { drawBars } from "/dashboard/chart.js";

const API = "/api/v1";
const SESSION_SLOT = "orbito.dashboard";
const $ = (id) => document.getElementById(id);

const state = { key: null, websiteId: null, website: null, actions: [], usage: null, days: "30" };
// One row per action, kept between refreshes so that filtering and sorting only move them.
const rows = new Map();

class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

// One call to the API: the parsed answer, or an ApiError whose message is a plain sentence.
async function call(path, { method = "GET", body, query } = {}) {
  const url = new URL(API + path, location.origin);
  for (const [name, value] of Object.entries(query ?? {})) url.searchParams.set(name, value);
  const headers = { "X-API-Key": state.key };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
    });
  } catch {
    throw new ApiError("The Orbito backend could not be reached. Check the connection and try again.", 0);
  }
  const payload = await response.json().catch(() => null);
  if (response.ok) return payload;
  throw new ApiError(sentenceFor(response, payload?.error), response.status);
}

function sentenceFor(response, error) {
  switch (response.status) {
    case 401:
      return "That key was not accepted. Check that the whole key was pasted; a key replaced by a rotation stops working after its grace period.";
    case 404:
      if (error?.code === "WEBSITE_NOT_FOUND") {
        return "No website with that id belongs to this key. Check the website id.";
      }
      return sentence(error?.message ?? "That was not found.");
    case 429: {
      const wait = Number(response.headers.get("Retry-After") || error?.details?.retry_after || 1);
      return `Too many requests for now. Try again in ${plural(wait, "second")}.`;
    }
    case 503:
      return "The backend cannot reach its database right now. Try again shortly.";
    default:
      if (response.status >= 500) return "The backend had an unexpected problem. Try again shortly.";
      return sentence(error?.message ?? `The backend answered with status ${response.status}.`);
  }
}

function sentence(text) {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

function plural(count, noun) {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

function say(text, kind = "error") {
  const message = $("message");
  message.className = kind;
  message.textContent = text;
}

function showSignIn(message) {
  $("signed-in").hidden = true;
  $("sign-out").hidden = true;
  $("sign-in").hidden = false;
  if (message) say(message);
}

async function signIn(websiteId, key) {
  Object.assign(state, { websiteId, key });
  say("Opening…", "info");
  try {
    state.website = await call(`/websites/${encodeURIComponent(websiteId)}`);
  } catch (failure) {
    // Only an answer about the id or key itself forgets them; a wait or an outage does not.
    if (failure.status === 401 || failure.status === 404) sessionStorage.removeItem(SESSION_SLOT);
    $("website-id").value = websiteId;
    $("key").value = key;
    showSignIn(failure.message);
    return;
  }
  sessionStorage.setItem(SESSION_SLOT, JSON.stringify({ websiteId, key }));
  $("key").value = "";
  $("sign-in").hidden = true;
  $("signed-in").hidden = false;
  $("sign-out").hidden = false;
  say("");
  rows.clear();
  await refresh();
  $("website-title").focus();
}

function signOut(message = "Signed out.") {
  sessionStorage.removeItem(SESSION_SLOT);
  Object.assign(state, { key: null, websiteId: null, website: null, actions: [], usage: null });
  rows.clear();
  $("key").value = "";
  showSignIn();
  say(message, "info");
  $("website-id").focus();
}

async function refresh(focus = null) {
  const days = $("chart-days").value;
  const id = encodeURIComponent(state.websiteId);
  try {
    const [website, owned, usage] = await Promise.all([
      call(`/websites/${id}`),
      call(`/websites/${id}/actions`),
      call(`/websites/${id}/usage`, { query: { days } }),
    ]);
    Object.assign(state, { website, actions: owned.actions, usage, days });
  } catch (failure) {
    $("chart-days").value = state.days;
    if (failure.status === 401) {
      signOut(`${failure.message} Paste the current key to go on.`);
      return false;
    }
    say(failure.message);
    return false;
  }
  if ($("message").className === "error") say("");
  showWebsite();
  showChartChoices();
  showChart();
  showActions(focus);
  return true;
}

function showWebsite() {
  const site = state.website;
  const failures = site.auto_disable_after_failures;
  const entries = [
    ["Domain", site.domain],
    ["Name", site.website_name],
    ["Owner", site.owner_email],
    ["Registered", when(site.created_at)],
    ["Domain proved", site.verified ? "Yes" : "Not yet (see the README's Trust and keys)"],
    ["Actions", `${site.total_actions} (${site.active_actions} active)`],
    ["Failing actions", failures ? `switched off after ${plural(failures, "failure")} in a row` : "never switched off"],
  ];
  $("website").replaceChildren(
    ...entries.flatMap(([term, value]) => [text("dt", term), text("dd", value)]),
  );
  $("auto-disable").value = failures ?? "";
}

function showChartChoices() {
  const select = $("chart-action");
  const chosen = select.value;
  const options = [new Option("All actions", "")];
  for (const action of state.usage.actions) options.push(new Option(action.action_id, action.action_id));
  select.replaceChildren(...options);
  select.value = state.usage.actions.some((action) => action.action_id === chosen) ? chosen : "";
}

function showChart() {
  const usage = state.usage;
  const chosen = $("chart-action").value;
  const action = usage.actions.find((item) => item.action_id === chosen);
  const counts = action ? action.counts : usage.total;
  const what = action ? `action ${action.action_id}` : "all actions";
  const sum = counts.reduce((a, b) => a + b, 0);
  drawBars($("chart"), usage.dates, counts, `Uses per day of ${what}`);
  $("chart").dataset.series = action ? action.action_id : "total";
  $("chart-summary").textContent =
    `${plural(sum, "use")} of ${what} from ${usage.dates[0]} to ${usage.dates.at(-1)} (UTC).`;
}

const ORDER = {
  action_id: (a, b) => compare(a.action_id, b.action_id),
  intent: (a, b) => compare(a.intent, b.intent) || compare(a.action_id, b.action_id),
  usage_count: (a, b) => b.usage_count - a.usage_count || compare(a.action_id, b.action_id),
  last_used: (a, b) => compare(b.last_used ?? "", a.last_used ?? "") || compare(a.action_id, b.action_id),
  is_active: (a, b) => Number(b.is_active) - Number(a.is_active) || compare(a.action_id, b.action_id),
  failure_count: (a, b) => b.failure_count - a.failure_count || compare(a.action_id, b.action_id),
};

function compare(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

// Rows are rebuilt from fresh data, but the control that had focus (or the one named) gets
// it back.
function showActions(focus = null) {
  const focused = document.activeElement?.closest?.("tr[data-action-id]");
  const wanted = focus ?? (focused && { id: focused.dataset.actionId, control: document.activeElement.dataset.control });
  rows.clear();
  for (const action of state.actions) rows.set(action.action_id, row(action));
  arrange();
  if (wanted?.control) {
    rows.get(wanted.id)?.querySelector(`[data-control="${wanted.control}"]`)?.focus();
  }
}

// Filtering and sorting move and hide the rows already built.
function arrange() {
  const words = $("filter").value.trim().toLowerCase();
  const sorted = [...state.actions].sort(ORDER[$("sort").value]);
  let shown = 0;
  for (const action of sorted) {
    const tr = rows.get(action.action_id);
    tr.hidden = Boolean(words) && !searchable(action).includes(words);
    if (!tr.hidden) shown += 1;
  }
  $("actions").tBodies[0].replaceChildren(...sorted.map((action) => rows.get(action.action_id)));
  const total = state.actions.length;
  $("actions-count").textContent = words
    ? `${shown} of ${plural(total, "action")} match “${$("filter").value.trim()}”.`
    : `${plural(total, "action")}.`;
}

function searchable(action) {
  return [action.action_id, action.intent, action.description, action.selector, action.metadata?.page_path ?? ""]
    .join("\n")
    .toLowerCase();
}

function row(action) {
  const tr = document.createElement("tr");
  tr.dataset.actionId = action.action_id;
  tr.className = action.is_active ? "active" : "inactive";

  const toggle = document.createElement("input");
  toggle.type = "checkbox";
  toggle.setAttribute("role", "switch");
  toggle.dataset.control = "switch";
  toggle.checked = action.is_active;
  toggle.setAttribute("aria-label", `Active: ${action.action_id}`);
  toggle.addEventListener("change", () => setActive(action, toggle));

  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "danger";
  remove.dataset.control = "delete";
  remove.textContent = "Delete";
  remove.setAttribute("aria-label", `Delete ${action.action_id}`);
  remove.addEventListener("click", () => confirmDelete(action));

  const position = action.position ? `${action.position.x}, ${action.position.y}` : "—";
  const description = text("span", action.description || "—");
  description.className = "prose";
  tr.append(
    cell("Active", toggle),
    cell("Action id", text("code", action.action_id)),
    cell("Intent", action.intent),
    cell("Description", description),
    cell("Selector", text("code", action.selector)),
    cell("Parameters", parameters(action.parameters)),
    cell("Position", position),
    cell("Page", action.metadata?.page_path ?? "—"),
    cell("Uses", String(action.usage_count)),
    cell("Last used", action.last_used ? when(action.last_used) : "never"),
    cell("Failures", failures(action)),
    cell("", remove),
  );
  return tr;
}

function failures(action) {
  if (!action.failure_count) return "0";
  const list = document.createElement("div");
  list.className = "failures";
  const reasons = Object.entries(action.failures_by_reason)
    .map(([reason, count]) => `${reason.replaceAll("_", " ")}: ${count}`)
    .join(", ");
  list.append(text("span", `${action.failure_count} (${reasons})`));
  const last = action.last_failure;
  if (last) {
    const said = last.message ? ` “${last.message}”` : "";
    list.append(text("span", `Last: ${last.reason.replaceAll("_", " ")} on ${when(last.at)}.${said}`));
  }
  if (action.auto_disabled_at) {
    // The run that did it may have grown or been ended by a use since; the moment stands.
    list.append(text("strong", `Switched off on ${when(action.auto_disabled_at)} by failures in a row.`));
  }
  return list;
}

function parameters(specs) {
  const names = Object.keys(specs ?? {});
  if (!names.length) return "—";
  const list = document.createElement("ul");
  list.className = "parameters";
  for (const name of names) {
    const spec = specs[name];
    list.append(text("li", `${name}: ${spec.type}${spec.required ? ", required" : ""}`));
  }
  return list;
}

async function setActive(action, toggle) {
  toggle.disabled = true;
  try {
    await call(`/actions/${encodeURIComponent(action.action_id)}/status`, {
      method: "PATCH",
      body: { is_active: toggle.checked },
    });
    say(`${action.action_id} is now ${toggle.checked ? "active" : "off"}.`, "info");
  } catch (failure) {
    toggle.checked = !toggle.checked;
    toggle.disabled = false;
    if (failure.status === 401) signOut(`${failure.message} Paste the current key to go on.`);
    else say(failure.message);
    return;
  }
  toggle.disabled = false;
  await refresh({ id: action.action_id, control: "switch" });
}

function confirmDelete(action) {
  const dialog = $("confirm-delete");
  $("confirm-text").textContent =
    `“${action.action_id}” will be removed with its ${plural(action.usage_count, "recorded use")}. The SDK registers it again, as new, if the page still has it.`;
  dialog.returnValue = "";
  dialog.onclose = async () => {
    if (dialog.returnValue !== "delete") {
      rows.get(action.action_id)?.querySelector('[data-control="delete"]')?.focus();
      return;
    }
    try {
      await call(`/actions/${encodeURIComponent(action.action_id)}`, { method: "DELETE" });
    } catch (failure) {
      if (failure.status === 401) signOut(`${failure.message} Paste the current key to go on.`);
      else say(failure.message);
      return;
    }
    say(`${action.action_id} was deleted.`, "info");
    await refresh();
    $("actions-title").focus();
  };
  dialog.showModal();
}

async function saveAutoDisable(event) {
  event.preventDefault();
  const given = $("auto-disable").value.trim();
  const limit = given === "" ? null : Number(given);
  try {
    await call(`/websites/${encodeURIComponent(state.websiteId)}`, {
      method: "PATCH",
      body: { auto_disable_after_failures: limit },
    });
  } catch (failure) {
    if (failure.status === 401) signOut(`${failure.message} Paste the current key to go on.`);
    else say(failure.message);
    return;
  }
  say(limit ? `Actions now switch off after ${plural(limit, "failure")} in a row.` : "Failing actions are no longer switched off.", "info");
  await refresh();
}

function cell(label, content) {
  const td = document.createElement("td");
  td.dataset.label = label;
  td.append(content);
  return td;
}

function text(tag, value) {
  const node = document.createElement(tag);
  node.textContent = value;
  return node;
}

function when(iso) {
  return iso.replace("T", " ").replace(/\.\d{3}Z$/, " UTC");
}

$("sign-in").addEventListener("submit", (event) => {
  event.preventDefault();
  const websiteId = $("website-id").value.trim();
  const key = $("key").value.trim();
  if (websiteId && key) signIn(websiteId, key);
});
$("sign-out").addEventListener("click", () => signOut());
$("filter").addEventListener("input", arrange);
$("sort").addEventListener("change", arrange);
$("chart-action").addEventListener("change", showChart);
$("chart-days").addEventListener("change", refresh);
$("settings").addEventListener("submit", saveAutoDisable);

const saved = JSON.parse(sessionStorage.getItem(SESSION_SLOT) ?? "null");
if (saved?.websiteId && saved?.key) signIn(saved.websiteId, saved.key);
