"""The action routes: registration by the SDK, discovery by the extension, and owners' switches."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from pydantic import BaseModel
from starlette.responses import Response

from orbito.actions import service, tools
from orbito.actions.listing import Listing, Rendered, json_head
from orbito.actions.schemas import (
    ACTION_ID_MAX_LENGTH,
    ACTION_ID_PATTERN,
    ACTION_ID_RULE,
    MAX_PAGE_PATH,
    PAGE_PATH_RULE,
    ActionDeleted,
    ActionRegistered,
    ActionRegistration,
    Discovery,
    FailureRecorded,
    FailureReport,
    StatusChange,
    StatusChanged,
    ToolExport,
    UsageRecorded,
    is_action_id,
    is_page_path,
)
from orbito.cache import Caches
from orbito.context import KEYED_OPERATION, authorize, limit_client, parts
from orbito.db.engine import Database
from orbito.errors import ActionLimitExceeded, ActionNotFound, DomainNotFound, InvalidSchema
from orbito.http.request import ApiRequest
from orbito.http.routing import PathValue, Routes
from orbito.jsonbody import read_json_object
from orbito.openapi import errors, request_body
from orbito.ratelimit import ACTION_REGISTER, DISCOVERY, KEYED, USAGE, Limit
from orbito.responses import JSONResponse, PreparedResponse
from orbito.validation import validate
from orbito.websites.domains import InvalidDomain, normalise_domain
from orbito.websites.repository import KeyHolder

router = Routes("/api/v1/actions", tags=["actions"])

# For the OpenAPI document: the route checks the id itself (400, never the framework's 422).
ActionIdInPath = Annotated[
    str,
    PathValue(
        "The id the SDK registered the action with",
        min_length=1,
        max_length=ACTION_ID_MAX_LENGTH,
        pattern=ACTION_ID_PATTERN,
    ),
]
_BOOLEANS = {"true": True, "false": False}
DOMAIN_PARAMETER = {
    "name": "domain",
    "in": "query",
    "required": True,
    "description": "The website's domain, e.g. example.com",
    "schema": {"type": "string", "minLength": 1},
}
PAGE_PATH_PARAMETER = {
    "name": "page_path",
    "in": "query",
    "required": False,
    "description": "Only actions whose metadata.page_path is exactly this, and those without one",
    "schema": {"type": "string", "maxLength": MAX_PAGE_PATH},
}
IF_NONE_MATCH_PARAMETER = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "The ETag of an earlier answer: 304 with no body if it is still current",
    "schema": {"type": "string"},
}
CACHED_ANSWER_HEADERS = {
    "ETag": {"description": "Changes whenever the answer would", "schema": {"type": "string"}},
    "Cache-Control": {"description": "`no-cache`", "schema": {"type": "string"}},
}


def _cached_answer_responses(model: type[BaseModel]) -> dict[int | str, dict[str, Any]]:
    """The answers of a route that answers by entity tag: the model, 304, and its errors."""
    return {
        200: {"model": model, "headers": CACHED_ANSWER_HEADERS},
        304: {"description": "Unchanged since the ETag given in If-None-Match; no body"},
        **errors(400, DomainNotFound, 429),
    }


DISCOVERY_PARAMETERS = [
    DOMAIN_PARAMETER,
    {
        "name": "is_active",
        "in": "query",
        "required": False,
        "description": "`true` (default) lists active actions, `false` inactive ones",
        # Any letter case is accepted, which an enum could not say.
        "schema": {
            "type": "string",
            "pattern": "^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])$",
            "default": "true",
        },
    },
    PAGE_PATH_PARAMETER,
    IF_NONE_MATCH_PARAMETER,
]
TOOLS_PARAMETERS = [
    DOMAIN_PARAMETER,
    {
        "name": "format",
        "in": "query",
        "required": False,
        "description": "`mcp` (default): MCP's tool list; `openai`: function definitions",
        "schema": {"type": "string", "pattern": "^([Mm][Cc][Pp]|[Oo][Pp][Ee][Nn][Aa][Ii])$"},
    },
    PAGE_PATH_PARAMETER,
    IF_NONE_MATCH_PARAMETER,
]


def _checked_action_id(action_id: str) -> str:
    if not is_action_id(action_id):
        raise InvalidSchema.single("action_id", ACTION_ID_RULE)
    return action_id


@router.post(
    "/register",
    summary="Register or update an action (called by the SDK)",
    responses={200: {"model": ActionRegistered}, **errors(400, 401, ActionLimitExceeded, 413, 429)},
    openapi_extra={**request_body(ActionRegistration), **KEYED_OPERATION},
)
async def register_action(request: ApiRequest) -> JSONResponse:
    holder = await authorize(request, ACTION_REGISTER)
    given = await read_json_object(request)
    action = validate(ActionRegistration, given)
    app = parts(request)
    cap = app.settings.max_actions_per_website
    return JSONResponse(
        await service.register_action(app.db, app.caches, holder, action, given, cap)
    )


@router.get(
    "",
    summary="Discover a domain's actions (called by the extension; no key needed)",
    responses=_cached_answer_responses(Discovery),
    openapi_extra={"parameters": DISCOVERY_PARAMETERS},
)
async def discover_actions(request: ApiRequest) -> Response:
    domain, page_path = await _asked_for(request)
    is_active = request.query.get("is_active")
    active = True if is_active is None else _BOOLEANS.get(is_active.lower())
    if active is None:
        raise InvalidSchema.single("is_active", "must be true or false")
    found = await _listing(request, domain, active)
    return await _cached_answer(request, service.discovery_answer(found, page_path))


@router.get(
    "/tools",
    summary="A domain's active actions as tools for language models (MCP or OpenAI format)",
    responses=_cached_answer_responses(ToolExport),
    openapi_extra={"parameters": TOOLS_PARAMETERS},
)
async def export_tools(request: ApiRequest) -> Response:
    domain, page_path = await _asked_for(request)
    given = request.query.get("format")
    format = tools.MCP if given is None else given.lower()
    if format not in tools.FORMATS:
        raise InvalidSchema.single("format", "must be mcp or openai")
    found = await _listing(request, domain, True)
    return await _cached_answer(request, service.tools_answer(found, format, page_path))


async def _asked_for(request: ApiRequest) -> tuple[str, str | None]:
    """What discovery and tool export share: their limit, then the domain and page path."""
    await limit_client(request, DISCOVERY)
    query = request.query
    domain, page_path = query.get("domain"), query.get("page_path")
    if domain is None:
        raise InvalidSchema.single("domain", "the domain query parameter is required")
    try:
        domain = normalise_domain(domain)
    except InvalidDomain as error:
        raise InvalidSchema.single("domain", str(error)) from None
    if page_path is not None and not is_page_path(page_path):
        raise InvalidSchema.single("page_path", PAGE_PATH_RULE)
    return domain, page_path


async def _listing(request: ApiRequest, domain: str, active: bool) -> Listing:
    app = parts(request)
    require_verified = app.settings.discovery_require_verified
    return await service.listing(app.db, app.caches, domain, active, require_verified)


async def _cached_answer(request: ApiRequest, rendered: Rendered) -> Response:
    """The answer, or 304 when the client holds it already; compressed when accepted."""
    if rendered.matches(request.list_header(b"if-none-match")):
        return PreparedResponse(304, rendered.tag_headers)
    accepted = request.list_header(b"accept-encoding")
    # Most answers are small: they go as they are, without a compression step to wait for.
    if rendered.compressible(accepted):
        body, encoding = await rendered.encoded(accepted)
        if encoding is not None:
            coding = (b"content-encoding", encoding.encode())
            return PreparedResponse(200, json_head(body, [*rendered.tag_headers, coding]), body)
    return PreparedResponse(200, rendered.headers, rendered.body)


@router.patch(
    "/{action_id}/status",
    summary="Switch an action on or off",
    responses={200: {"model": StatusChanged}, **errors(400, 401, ActionNotFound, 413, 429)},
    openapi_extra={**request_body(StatusChange), **KEYED_OPERATION},
)
async def set_status(action_id: ActionIdInPath, request: ApiRequest) -> JSONResponse:
    holder = await authorize(request, KEYED)
    change = validate(StatusChange, await read_json_object(request))
    action_id = _checked_action_id(action_id)
    app = parts(request)
    answer = await service.set_status(app.db, app.caches, holder, action_id, change.is_active)
    return JSONResponse(answer)


@router.post(
    "/{action_id}/usage",
    summary="Count one use of an action (any body is ignored)",
    responses={200: {"model": UsageRecorded}, **errors(400, 401, ActionNotFound, 413, 429)},
    openapi_extra=KEYED_OPERATION,
)
async def record_usage(action_id: ActionIdInPath, request: ApiRequest) -> JSONResponse:
    return await _act_on(request, action_id, USAGE, service.record_usage)


@router.post(
    "/{action_id}/failures",
    summary="Report that running an action failed (counted against the usage limit)",
    responses={200: {"model": FailureRecorded}, **errors(400, 401, ActionNotFound, 413, 429)},
    openapi_extra={**request_body(FailureReport), **KEYED_OPERATION},
)
async def report_failure(action_id: ActionIdInPath, request: ApiRequest) -> JSONResponse:
    holder = await authorize(request, USAGE)
    report = validate(FailureReport, await read_json_object(request))
    action_id = _checked_action_id(action_id)
    app = parts(request)
    return JSONResponse(await service.record_failure(app.db, app.caches, holder, action_id, report))


@router.delete(
    "/{action_id}",
    summary="Delete an action; registering the same id later starts afresh",
    responses={200: {"model": ActionDeleted}, **errors(400, 401, ActionNotFound, 413, 429)},
    openapi_extra=KEYED_OPERATION,
)
async def delete_action(action_id: ActionIdInPath, request: ApiRequest) -> JSONResponse:
    return await _act_on(request, action_id, KEYED, service.delete_action)


async def _act_on(
    request: ApiRequest,
    action_id: str,
    limit: Limit,
    act: Callable[[Database, Caches, KeyHolder, str], Awaitable[dict]],
) -> JSONResponse:
    """A keyed route that takes nothing but the action's id: key, limit, id, then the act."""
    holder = await authorize(request, limit)
    action_id = _checked_action_id(action_id)
    app = parts(request)
    return JSONResponse(await act(app.db, app.caches, holder, action_id))
