"""The action routes: registration by the SDK, discovery by the extension, and owners' switches."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from orbito.actions import service
from orbito.actions.schemas import (
    ACTION_ID_MAX_LENGTH,
    ACTION_ID_PATTERN,
    ACTION_ID_RULE,
    ActionDeleted,
    ActionRegistered,
    ActionRegistration,
    Discovery,
    StatusChange,
    StatusChanged,
    UsageRecorded,
    is_action_id,
)
from orbito.cache import Caches
from orbito.context import KEYED_OPERATION, authorize, limit_client, parts
from orbito.db.engine import Database
from orbito.errors import ActionLimitExceeded, ActionNotFound, DomainNotFound, InvalidSchema
from orbito.jsonbody import read_json_object
from orbito.openapi import errors, request_body
from orbito.ratelimit import ACTION_REGISTER, DISCOVERY, KEYED, USAGE, Limit
from orbito.responses import JSONResponse
from orbito.validation import validate
from orbito.websites.domains import InvalidDomain, normalise_domain
from orbito.websites.repository import KeyHolder

router = APIRouter(prefix="/api/v1/actions", tags=["actions"])

# For the OpenAPI document: the route checks the id itself (400, never the framework's 422).
ActionIdInPath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=ACTION_ID_MAX_LENGTH,
        pattern=ACTION_ID_PATTERN,
        description="The id the SDK registered the action with",
    ),
]
_BOOLEANS = {"true": True, "false": False}
DISCOVERY_PARAMETERS = [
    {
        "name": "domain",
        "in": "query",
        "required": True,
        "description": "The website's domain, e.g. example.com",
        "schema": {"type": "string", "minLength": 1},
    },
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
async def register_action(request: Request) -> JSONResponse:
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
    responses={200: {"model": Discovery}, **errors(400, DomainNotFound, 429)},
    openapi_extra={"parameters": DISCOVERY_PARAMETERS},
)
async def discover_actions(request: Request) -> Response:
    await limit_client(request, DISCOVERY)
    query = request.query_params
    domain, is_active = query.get("domain"), query.get("is_active")
    if domain is None:
        raise InvalidSchema.single("domain", "the domain query parameter is required")
    try:
        normalised = normalise_domain(domain)
    except InvalidDomain as error:
        raise InvalidSchema.single("domain", str(error)) from None
    active = True if is_active is None else _BOOLEANS.get(is_active.lower())
    if active is None:
        raise InvalidSchema.single("is_active", "must be true or false")
    app = parts(request)
    require_verified = app.settings.discovery_require_verified
    body = await service.discover_actions(app.db, app.caches, normalised, active, require_verified)
    return Response(body, media_type="application/json")


@router.patch(
    "/{action_id}/status",
    summary="Switch an action on or off",
    responses={200: {"model": StatusChanged}, **errors(400, 401, ActionNotFound, 413, 429)},
    openapi_extra={**request_body(StatusChange), **KEYED_OPERATION},
)
async def set_status(action_id: ActionIdInPath, request: Request) -> JSONResponse:
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
async def record_usage(action_id: ActionIdInPath, request: Request) -> JSONResponse:
    return await _act_on(request, action_id, USAGE, service.record_usage)


@router.delete(
    "/{action_id}",
    summary="Delete an action; registering the same id later starts afresh",
    responses={200: {"model": ActionDeleted}, **errors(400, 401, ActionNotFound, 413, 429)},
    openapi_extra=KEYED_OPERATION,
)
async def delete_action(action_id: ActionIdInPath, request: Request) -> JSONResponse:
    return await _act_on(request, action_id, KEYED, service.delete_action)


async def _act_on(
    request: Request,
    action_id: str,
    limit: Limit,
    act: Callable[[Database, Caches, KeyHolder, str], Awaitable[dict]],
) -> JSONResponse:
    """A keyed route that takes nothing but the action's id: key, limit, id, then the act."""
    holder = await authorize(request, limit)
    action_id = _checked_action_id(action_id)
    app = parts(request)
    return JSONResponse(await act(app.db, app.caches, holder, action_id))
