// The owner's dashboard. Everything it shows comes from this backend's own API, called with
// the website id and key the owner pasted, which live in this tab's session storage only.
// The id is asked for as well as the key because the key ships in the site's pages, while
// the id stays with the owner.

import { drawBars } from "/dashboard/chart.js";

const API = "/api/v1";
const SESSION_SLOT = "orbito.dashboard";
const $ = (id) => document.getElementById(id);

const state = { key: null, websiteId: null, website: null, actions: [], usage: null };

// One call to the API: the parsed answer, or an Error whose message is a plain sentence.
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
    throw new Error("The Orbito backend could not be reached. Check the connection and try again.");
  }
  const payload = await response.json().catch(() => null);
  if (response.ok) return payload;
  throw new Error(sentenceFor(response, payload?.error));
}

function sentenceFor(response, error) {
  switch (response.status) {
    case 401:
      return "That key was not accepted. Check that the whole key was pasted; a key replaced by a rotation stops working after its grace period.";
    case 429: {
      const wait = Number(response.headers.get("Retry-After") || error?.details?.retry_after || 1);
      return `Too many requests for now. Try again in ${wait} second${wait === 1 ? "" : "s"}.`;
    }
    case 404:
      if (error?.code === "WEBSITE_NOT_FOUND") {
        return "No website with that id belongs to this key. Check the website id.";
      }
      return error?.message ?? "That was not found.";
    case 503:
      return "The backend cannot reach its database right now. Try again shortly.";
    default:
      if (response.status >= 500) return "The backend had an unexpected problem. Try again shortly.";
      return error?.message ?? `The backend answered with status ${response.status}.`;
  }
}

function say(text, kind = "error") {
  const message = $("message");
  message.className = kind;
  message.textContent = text;
}

async function signIn(websiteId, key) {
  Object.assign(state, { websiteId, key });
  say("Opening…", "info");
  try {
    state.website = await call(`/websites/${encodeURIComponent(websiteId)}`);
  } catch (failure) {
    Object.assign(state, { websiteId: null, key: null });
    sessionStorage.removeItem(SESSION_SLOT);
    say(failure.message);
    return;
  }
  sessionStorage.setItem(SESSION_SLOT, JSON.stringify({ websiteId, key }));
  $("sign-in").hidden = true;
  $("signed-in").hidden = false;
  $("sign-out").hidden = false;
  say("");
  await refresh();
}

function signOut() {
  sessionStorage.removeItem(SESSION_SLOT);
  Object.assign(state, { key: null, websiteId: null, website: null, actions: [], usage: null });
  $("key").value = "";
  $("website-id").value = "";
  $("signed-in").hidden = true;
  $("sign-out").hidden = true;
  $("sign-in").hidden = false;
  say("Signed out.", "info");
  $("website-id").focus();
}

async function refresh() {
  try {
    const domain = state.website.domain;
    const [website, active, inactive, usage] = await Promise.all([
      call(`/websites/${encodeURIComponent(state.websiteId)}`),
      call("/actions", { query: { domain, is_active: "true" } }),
      call("/actions", { query: { domain, is_active: "false" } }),
      call(`/websites/${state.website.website_id}/usage`, { query: { days: $("chart-days").value } }),
    ]);
    state.website = website;
    state.actions = [...active.actions, ...inactive.actions];
    state.usage = usage;
  } catch (failure) {
    say(failure.message);
    return;
  }
  showWebsite();
  showChartChoices();
  showChart();
  showActions();
}

function showWebsite() {
  const site = state.website;
  const rows = [
    ["Domain", site.domain],
    ["Name", site.website_name],
    ["Owner", site.owner_email],
    ["Registered", when(site.created_at)],
    ["Domain proved", site.verified ? "Yes" : "Not yet (see the README's Trust and keys)"],
    ["Actions", `${site.total_actions} (${site.active_actions} active)`],
  ];
  $("website").replaceChildren(
    ...rows.flatMap(([term, value]) => [text("dt", term), text("dd", value)]),
  );
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
    `${sum} use${sum === 1 ? "" : "s"} of ${what} from ${usage.dates[0]} to ${usage.dates.at(-1)} (UTC).`;
}

const ORDER = {
  action_id: (a, b) => compare(a.action_id, b.action_id),
  intent: (a, b) => compare(a.intent, b.intent) || compare(a.action_id, b.action_id),
  usage_count: (a, b) => b.usage_count - a.usage_count || compare(a.action_id, b.action_id),
  last_used: (a, b) => compare(b.last_used ?? "", a.last_used ?? "") || compare(a.action_id, b.action_id),
  is_active: (a, b) => Number(b.is_active) - Number(a.is_active) || compare(a.action_id, b.action_id),
};

function compare(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

function showActions() {
  const words = $("filter").value.trim().toLowerCase();
  const shown = state.actions
    .filter((action) => !words || searchable(action).includes(words))
    .sort(ORDER[$("sort").value]);
  $("actions").tBodies[0].replaceChildren(...shown.map(row));
  const total = state.actions.length;
  $("actions-count").textContent = words
    ? `${shown.length} of ${total} actions match “${$("filter").value.trim()}”.`
    : `${total} action${total === 1 ? "" : "s"}.`;
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
  toggle.checked = action.is_active;
  toggle.setAttribute("aria-label", `Active: ${action.action_id}`);
  toggle.addEventListener("change", () => setActive(action, toggle));

  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "danger";
  remove.textContent = "Delete";
  remove.setAttribute("aria-label", `Delete ${action.action_id}`);
  remove.addEventListener("click", () => confirmDelete(action));

  const position = action.position ? `${action.position.x}, ${action.position.y}` : "—";
  tr.append(
    cell("Active", toggle),
    cell("Action id", text("code", action.action_id)),
    cell("Intent", action.intent),
    cell("Description", action.description || "—"),
    cell("Selector", text("code", action.selector)),
    cell("Parameters", parameters(action.parameters)),
    cell("Position", position),
    cell("Page", action.metadata?.page_path ?? "—"),
    cell("Uses", String(action.usage_count)),
    cell("Last used", action.last_used ? when(action.last_used) : "never"),
    cell("", remove),
  );
  return tr;
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
    await refresh();
  } catch (failure) {
    toggle.checked = !toggle.checked;
    say(failure.message);
  } finally {
    toggle.disabled = false;
  }
}

function confirmDelete(action) {
  const dialog = $("confirm-delete");
  $("confirm-text").textContent =
    `“${action.action_id}” will be removed with its ${action.usage_count} recorded uses. The SDK registers it again, as new, if the page still has it.`;
  dialog.returnValue = "";
  dialog.onclose = async () => {
    if (dialog.returnValue !== "delete") return;
    try {
      await call(`/actions/${encodeURIComponent(action.action_id)}`, { method: "DELETE" });
      say(`${action.action_id} was deleted.`, "info");
      await refresh();
    } catch (failure) {
      say(failure.message);
    }
  };
  dialog.showModal();
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
$("sign-out").addEventListener("click", signOut);
$("filter").addEventListener("input", showActions);
$("sort").addEventListener("change", showActions);
$("chart-action").addEventListener("change", showChart);
$("chart-days").addEventListener("change", refresh);

const saved = JSON.parse(sessionStorage.getItem(SESSION_SLOT) ?? "null");
if (saved?.websiteId && saved?.key) signIn(saved.websiteId, saved.key);
