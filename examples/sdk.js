// The website's side: tell Orbito which actions this page offers, and let the owner switch
// one off or remove it. Elements offer an action with data attributes:
//
//   <button data-orbito-id="add-to-cart" data-orbito-intent="addToCart"
//           data-orbito-description="Adds the product to the cart"
//           data-orbito-parameters='{"quantity": {"type": "integer", "default": 1}}'>
//
// The site's key is public: it ships in the page, so it can only register this site's actions.

import { callOrbito } from "./orbito-api.js";

export function actionsOnPage(root = document) {
  return [...root.querySelectorAll("[data-orbito-id]")].map((element) => {
    const id = element.dataset.orbitoId;
    const box = element.getBoundingClientRect();
    return {
      action_id: id,
      intent: element.dataset.orbitoIntent,
      description: element.dataset.orbitoDescription ?? "",
      selector: `[data-orbito-id="${CSS.escape(id)}"]`,
      parameters: JSON.parse(element.dataset.orbitoParameters ?? "{}"),
      position: { x: Math.round(box.x), y: Math.round(box.y) },
      metadata: { component_type: element.tagName.toLowerCase(), page_path: location.pathname },
    };
  });
}

// Registering is an upsert: calling it on every page load keeps the actions current, and an
// owner's switch survives it. Each answer is checked: a 429 says how long to wait.
export async function registerPageActions({ api, key }) {
  const answers = [];
  for (const action of actionsOnPage()) {
    const answer = await callOrbito(api, "/actions/register", { method: "POST", key, body: action });
    if (answer.status === 429) {
      console.warn(`Orbito: registration paused for ${answer.retryAfter} s`);
      answers.push(answer);
      break;
    }
    if (!answer.ok) console.warn(`Orbito: ${action.action_id}: ${answer.error.code} ${answer.error.message}`);
    answers.push(answer);
  }
  return answers;
}

export function setActionActive({ api, key, actionId, isActive }) {
  return callOrbito(api, `/actions/${encodeURIComponent(actionId)}/status`, {
    method: "PATCH",
    key,
    body: { is_active: isActive },
  });
}

export function deleteAction({ api, key, actionId }) {
  return callOrbito(api, `/actions/${encodeURIComponent(actionId)}`, { method: "DELETE", key });
}
