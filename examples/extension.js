// The extension's side: ask which actions this page's site offers (as tools a language model
// can pick from), run one, and report the use, or the failure. Discovery and tool export need
// no key; reports take the site's public key, which the site puts in the page as
// <meta name="orbito-key" content="orbito_key_...">.

import { callOrbito } from "./orbito-api.js";

// Answers kept by their entity tags: asking again sends the tag, and a 304 (no body) means
// the kept answer is still current.
const kept = new Map();

async function askWithTag(api, path, query) {
  const id = `${api}${path}?${new URLSearchParams(query)}`;
  const known = kept.get(id);
  const headers = known ? { "If-None-Match": known.etag } : {};
  const answer = await callOrbito(api, path, { query, headers });
  if (answer.status === 304 && known) return { ...answer, data: known.data, fromCache: true };
  if (answer.ok && answer.etag) kept.set(id, { etag: answer.etag, data: answer.data });
  return { ...answer, fromCache: false };
}

function pageQuery(hostname, pagePath) {
  return pagePath === undefined ? { domain: hostname } : { domain: hostname, page_path: pagePath };
}

export function discoverActions({ api, hostname = location.hostname, isActive = true, pagePath }) {
  return askWithTag(api, "/actions", { ...pageQuery(hostname, pagePath), is_active: String(isActive) });
}

// The page's actions as tool definitions: MCP's tool list, or OpenAI functions with
// format "openai". `data.actions` maps each tool's name to its action id and selector.
export function exportTools({ api, hostname = location.hostname, format = "mcp", pagePath = location.pathname }) {
  return askWithTag(api, "/actions/tools", { ...pageQuery(hostname, pagePath), format });
}

// Runs an action by clicking the element its selector names; false if the page has none.
export function runAction(action) {
  const element = document.querySelector(action.selector);
  if (element === null) return false;
  element.click();
  return true;
}

export function siteKey() {
  return document.querySelector('meta[name="orbito-key"]')?.content ?? null;
}

export function reportUsage({ api, actionId, key = siteKey() }) {
  return callOrbito(api, `/actions/${encodeURIComponent(actionId)}/usage`, { method: "POST", key });
}

// reason: "selector_not_found", "parameter_invalid", "execution_error" or "other".
export function reportFailure({ api, actionId, reason, message, key = siteKey() }) {
  return callOrbito(api, `/actions/${encodeURIComponent(actionId)}/failures`, {
    method: "POST",
    key,
    body: message === undefined ? { reason } : { reason, message },
  });
}

// The whole round: ask for the page's tools, pick one (here by its title, the intent, where a
// language model would choose), run its action, and report the use or the failure.
export async function runIntent({ api, intent, pagePath = location.pathname }) {
  const found = await exportTools({ api, pagePath });
  if (!found.ok) return { ran: false, reason: `${found.error.code}: ${found.error.message}` };
  const tool = found.data.tools.find((candidate) => candidate.title === intent);
  if (tool === undefined) return { ran: false, reason: `no tool for ${intent}` };
  const action = found.data.actions[tool.name];
  if (!runAction(action)) {
    const failure = await reportFailure({
      api,
      actionId: action.action_id,
      reason: "selector_not_found",
      message: `${action.selector} matched nothing on ${pagePath}`,
    });
    return { ran: false, actionId: action.action_id, reason: `${action.selector} is not on the page`, failure };
  }
  const report = await reportUsage({ api, actionId: action.action_id });
  return { ran: true, actionId: action.action_id, tool: tool.name, usage: report };
}
