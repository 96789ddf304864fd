"""Actions as tool definitions for language models: MCP's tool list, or OpenAI-style functions.

Each action's `parameters` become a JSON Schema (draft 2020-12) object. Tool names must be
1-64 characters of `A-Za-z0-9_-` in both formats, which action ids need not be (they may hold
`.` and `:`, and be 128 long), so names are derived from ids and made unique; the answer maps
each name back to its action and selector.
"""

import hashlib
import re

MCP = "mcp"
OPENAI = "openai"
FORMATS = (MCP, OPENAI)
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_NAME_LENGTH = 64
_NOT_IN_NAMES = re.compile(r"[^A-Za-z0-9_-]")


def tool_names(action_ids: list[str]) -> dict[str, str]:
    """A unique tool name per action id.

    An id that is already a valid name is its own name, always. Any other becomes its changed
    form with a short digest of the id itself, so that ids that change alike (`a.b`, `a:b`)
    never meet; should that name be some listed id's own, it is changed again.
    """
    valid = {action_id for action_id in action_ids if _is_name(action_id)}
    names = {action_id: action_id for action_id in valid}
    taken = set(valid)
    for action_id in action_ids:
        if action_id in valid:
            continue
        name = _with_digest(_NOT_IN_NAMES.sub("_", action_id), action_id)
        while name in taken:
            name = _with_digest(name, name)
        taken.add(name)
        names[action_id] = name
    return names


def _is_name(action_id: str) -> bool:
    return len(action_id) <= _NAME_LENGTH and not _NOT_IN_NAMES.search(action_id)


def _with_digest(name: str, source: str) -> str:
    digest = hashlib.sha256(source.encode()).hexdigest()[:8]
    return f"{name[: _NAME_LENGTH - 9]}_{digest}"


def input_schema(parameters: dict) -> dict:
    """The JSON Schema of an action's parameters: their types, descriptions and defaults."""
    properties = {}
    for name, spec in parameters.items():
        schema: dict = {"type": spec["type"]}
        if spec.get("description"):
            schema["description"] = spec["description"]
        if "default" in spec:
            schema["default"] = spec["default"]
        properties[name] = schema
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name, spec in parameters.items() if spec.get("required")],
        "additionalProperties": False,
    }


def export(actions: list[dict], format: str) -> tuple[list[dict], dict[str, dict]]:
    """The tools in `format`, and for each tool's name, the action it runs."""
    names = tool_names([action["action_id"] for action in actions])
    tools, mapping = [], {}
    for action in actions:
        name = names[action["action_id"]]
        description = action["description"] or action["intent"]
        schema = input_schema(action["parameters"])
        if format == MCP:
            tools.append(
                {
                    "name": name,
                    "title": action["intent"],
                    "description": description,
                    "inputSchema": {"$schema": JSON_SCHEMA_DIALECT, **schema},
                }
            )
        else:
            tools.append(
                {
                    "type": "function",
                    "function": {"name": name, "description": description, "parameters": schema},
                }
            )
        mapping[name] = {
            "action_id": action["action_id"],
            "intent": action["intent"],
            "selector": action["selector"],
        }
    return tools, mapping
