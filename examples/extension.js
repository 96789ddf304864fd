// The extension's side: ask which actions this page's site offers, run one, report the use.
// Discovery needs no key; the usage report takes the site's public key, which the site puts
// in the page as <meta name="orbito-key" content="orbito_key_...">.

import { callOrbito } from "./orbito-api.js";

export function discoverActions({ api, hostname = location.hostname, isActive = true }) {
  return callOrbito(api, "/actions", { query: { domain: hostname, is_active: String(isActive) } });
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

// The whole round: discover, pick an action by intent, run it, report it.
export async function runIntent({ api, intent }) {
  const found = await discoverActions({ api });
  if (!found.ok) return { ran: false, reason: `${found.error.code}: ${found.error.message}` };
  const action = found.data.actions.find((candidate) => candidate.intent === intent);
  if (action === undefined) return { ran: false, reason: `no action for ${intent}` };
  if (!runAction(action)) return { ran: false, reason: `${action.selector} is not on the page` };
  const report = await reportUsage({ api, actionId: action.action_id });
  return { ran: true, actionId: action.action_id, usage: report };
}
