"""The action routes: registration by the SDK, discovery by the extension, and owners' switches."""

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from orbito.actions import service
from orbito.actions.schemas import (
    ACTION_ID_PATTERN,
    ActionDeleted,
    ActionRegistered,
    ActionRegistration,
    Discovery,
    StatusChange,
    StatusChanged,
    UsageRecorded,
)
from orbito.deps import DB, AppCaches, AppSettings, Holder, get_key_holder, rate_limited
from orbito.errors import ActionLimitExceeded, ActionNotFound, DomainNotFound, InvalidSchema
from orbito.jsonbody import read_json_object
from orbito.openapi import errors, request_body
from orbito.ratelimit import ACTION_REGISTER, DISCOVERY, KEYED, USAGE
from orbito.responses import JSONResponse
from orbito.routing import only_methods
from orbito.validation import validate
from orbito.websites.domains import InvalidDomain, normalise_domain

router = APIRouter(prefix="/actions", tags=["actions"])

_ACTION_ID = re.compile(ACTION_ID_PATTERN)
_BOOLEANS = {"true": True, "false": False}


def _checked_action_id(action_id: str) -> str:
    if not _ACTION_ID.fullmatch(action_id):
        raise InvalidSchema.single("action_id", "must be 1-128 characters of A-Za-z0-9_.:-")
    return action_id


@router.post(
    "/register",
    summary="Register or update an action (called by the SDK)",
    dependencies=[rate_limited(ACTION_REGISTER)],
    responses={200: {"model": ActionRegistered}, **errors(400, 401, ActionLimitExceeded, 413, 429)},
    openapi_extra=request_body(ActionRegistration),
)
async def register_action(
    request: Request, db: DB, caches: AppCaches, holder: Holder, settings: AppSettings
) -> JSONResponse:
    given = await read_json_object(request)
    action = validate(ActionRegistration, given)
    cap = settings.max_actions_per_website
    answer = await service.register_action(db, caches, holder, action, given, cap)
    return JSONResponse(answer)


only_methods(router, "/register", "POST")


@router.get(
    "",
    summary="Discover a domain's actions (called by the extension; no key needed)",
    dependencies=[rate_limited(DISCOVERY)],
    responses={200: {"model": Discovery}, **errors(400, DomainNotFound, 429)},
)
async def discover_actions(
    db: DB,
    caches: AppCaches,
    domain: Annotated[
        str | None, Query(description="The website's domain, e.g. example.com")
    ] = None,
    is_active: Annotated[
        str | None,
        Query(description="`true` (default) lists active actions, `false` inactive ones"),
    ] = None,
) -> JSONResponse:
    if domain is None:
        raise InvalidSchema.single("domain", "the domain query parameter is required")
    try:
        normalised = normalise_domain(domain)
    except InvalidDomain as error:
        raise InvalidSchema.single("domain", str(error)) from None
    active = True if is_active is None else _BOOLEANS.get(is_active.lower())
    if active is None:
        raise InvalidSchema.single("is_active", "must be true or false")
    body = await service.discover_actions(db, caches, normalised, active)
    return Response(body, media_type="application/json")


@router.patch(
    "/{action_id}/status",
    summary="Switch an action on or off",
    dependencies=[rate_limited(KEYED)],
    responses={200: {"model": StatusChanged}, **errors(400, 401, ActionNotFound, 413, 429)},
    openapi_extra=request_body(StatusChange),
)
async def set_status(
    action_id: str, request: Request, db: DB, caches: AppCaches, holder: Holder
) -> JSONResponse:
    change = validate(StatusChange, await read_json_object(request))
    return JSONResponse(
        await service.set_status(
            db, caches, holder, _checked_action_id(action_id), change.is_active
        )
    )


@router.post(
    "/{action_id}/usage",
    summary="Count one use of an action (any body is ignored)",
    dependencies=[Depends(get_key_holder), rate_limited(USAGE)],
    responses={200: {"model": UsageRecorded}, **errors(400, 401, ActionNotFound, 413, 429)},
)
async def record_usage(action_id: str, db: DB, caches: AppCaches, holder: Holder) -> JSONResponse:
    answer = await service.record_usage(db, caches, holder, _checked_action_id(action_id))
    return JSONResponse(answer)


@router.delete(
    "/{action_id}",
    summary="Delete an action; registering the same id later starts afresh",
    dependencies=[rate_limited(KEYED)],
    responses={200: {"model": ActionDeleted}, **errors(400, 401, ActionNotFound, 413, 429)},
)
async def delete_action(action_id: str, db: DB, caches: AppCaches, holder: Holder) -> JSONResponse:
    answer = await service.delete_action(db, caches, holder, _checked_action_id(action_id))
    return JSONResponse(answer)
