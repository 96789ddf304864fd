"""The website routes: registration, and details for the key's own website."""

from datetime import timedelta

from orbito.actions import owned, series
from orbito.context import KEYED_OPERATION, authorize, limit_client, parts
from orbito.errors import DomainAlreadyExists, InvalidSchema, WebsiteNotFound
from orbito.http.request import ApiRequest
from orbito.http.routing import Routes
from orbito.jsonbody import read_json_object
from orbito.openapi import errors, request_body
from orbito.ratelimit import KEYED, WEBSITE_REGISTER
from orbito.responses import JSONResponse
from orbito.validation import validate
from orbito.verification import service as verification
from orbito.verification.checks import METHODS
from orbito.websites import service
from orbito.websites.schemas import (
    KeyRotation,
    OwnedActions,
    RegisteredWebsite,
    RotatedKey,
    UsageSeries,
    Verification,
    VerificationCheck,
    WebsiteDetails,
    WebsiteRegistration,
    WebsiteSettings,
)

router = Routes("/api/v1/websites", tags=["websites"])


@router.post(
    "/register",
    status_code=201,
    summary="Register a website and receive its API key",
    responses={201: {"model": RegisteredWebsite}, **errors(400, DomainAlreadyExists, 413, 429)},
    openapi_extra=request_body(WebsiteRegistration),
)
async def register_website(request: ApiRequest) -> JSONResponse:
    await limit_client(request, WEBSITE_REGISTER)
    registration = validate(WebsiteRegistration, await read_json_object(request))
    app = parts(request)
    answer = await service.register_website(app.db, app.caches, registration)
    return JSONResponse(answer, status_code=201)


@router.get(
    "/{website_id}",
    summary="Details of the key's own website",
    responses={200: {"model": WebsiteDetails}, **errors(401, WebsiteNotFound, 429)},
    openapi_extra=KEYED_OPERATION,
)
async def website_details(website_id: str, request: ApiRequest) -> JSONResponse:
    holder = await authorize(request, KEYED)
    return JSONResponse(await service.website_details(parts(request).db, holder, website_id))


@router.patch(
    "/{website_id}",
    summary="Change the owner's settings of the key's website",
    responses={200: {"model": WebsiteDetails}, **errors(400, 401, WebsiteNotFound, 413, 429)},
    openapi_extra={**request_body(WebsiteSettings), **KEYED_OPERATION},
)
async def change_settings(website_id: str, request: ApiRequest) -> JSONResponse:
    holder = await authorize(request, KEYED)
    changed = validate(WebsiteSettings, await read_json_object(request))
    answer = await service.change_settings(
        parts(request).db, holder, website_id, changed.auto_disable_after_failures
    )
    return JSONResponse(answer)


@router.post(
    "/{website_id}/keys/rotate",
    status_code=201,
    summary="Replace the key; the old one keeps working for a grace period",
    responses={201: {"model": RotatedKey}, **errors(400, 401, WebsiteNotFound, 413, 429)},
    openapi_extra={**request_body(KeyRotation, required=False), **KEYED_OPERATION},
)
async def rotate_key(website_id: str, request: ApiRequest) -> JSONResponse:
    holder = await authorize(request, KEYED)
    rotation = validate(KeyRotation, await read_json_object(request, optional=True))
    app = parts(request)
    grace = timedelta(seconds=rotation.grace_seconds)
    answer = await service.rotate_key(app.db, app.caches, holder, website_id, grace)
    return JSONResponse(answer, status_code=201)


@router.get(
    "/{website_id}/verification",
    summary="How to prove the domain is yours, and whether it is proved",
    responses={200: {"model": Verification}, **errors(401, WebsiteNotFound, 429)},
    openapi_extra=KEYED_OPERATION,
)
async def verification_state(website_id: str, request: ApiRequest) -> JSONResponse:
    holder = await authorize(request, KEYED)
    app = parts(request)
    return JSONResponse(
        await verification.verification_state(app.db, app.settings, holder, website_id)
    )


@router.post(
    "/{website_id}/verification",
    summary="Check the domain now, by the HTTP file, the DNS record, or both",
    responses={200: {"model": Verification}, **errors(400, 401, WebsiteNotFound, 413, 429)},
    openapi_extra={**request_body(VerificationCheck, required=False), **KEYED_OPERATION},
)
async def check_verification(website_id: str, request: ApiRequest) -> JSONResponse:
    holder = await authorize(request, KEYED)
    check = validate(VerificationCheck, await read_json_object(request, optional=True))
    methods = METHODS if check.method is None else (check.method,)
    app = parts(request)
    answer = await verification.check_now(
        app.db, app.caches, app.settings, holder, website_id, methods
    )
    return JSONResponse(answer)


USAGE_DAYS_PARAMETER = {
    "name": "days",
    "in": "query",
    "required": False,
    "description": f"How many days up to today (UTC), {series.MAX_DAYS} at most",
    "schema": {
        "type": "integer",
        "minimum": 1,
        "maximum": series.MAX_DAYS,
        "default": series.DEFAULT_DAYS,
    },
}


@router.get(
    "/{website_id}/usage",
    summary="Daily usage of the website's actions, per action and in total",
    responses={200: {"model": UsageSeries}, **errors(400, 401, WebsiteNotFound, 429)},
    openapi_extra={"parameters": [USAGE_DAYS_PARAMETER], **KEYED_OPERATION},
)
async def usage_series(website_id: str, request: ApiRequest) -> JSONResponse:
    holder = await authorize(request, KEYED)
    given = request.query.get("days")
    days = series.DEFAULT_DAYS if given is None else _whole_number(given)
    if days is None or not 1 <= days <= series.MAX_DAYS:
        raise InvalidSchema.single("days", f"must be a whole number from 1 to {series.MAX_DAYS}")
    return JSONResponse(await series.usage_series(parts(request).db, holder, website_id, days))


def _whole_number(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 6 else None


@router.get(
    "/{website_id}/actions",
    summary="Every action of the key's website, active or not, with its failure record",
    responses={200: {"model": OwnedActions}, **errors(401, WebsiteNotFound, 429)},
    openapi_extra=KEYED_OPERATION,
)
async def owned_actions(website_id: str, request: ApiRequest) -> JSONResponse:
    holder = await authorize(request, KEYED)
    return JSONResponse(await owned.owned_actions(parts(request).db, holder, website_id))
