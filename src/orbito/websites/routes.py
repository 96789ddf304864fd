"""The website routes: registration, and details for the key's own website."""

from fastapi import APIRouter, Request

from orbito.context import KEYED_OPERATION, authorize, limit_client, parts
from orbito.errors import DomainAlreadyExists, WebsiteNotFound
from orbito.jsonbody import read_json_object
from orbito.openapi import errors, request_body
from orbito.ratelimit import KEYED, WEBSITE_REGISTER
from orbito.responses import JSONResponse
from orbito.validation import validate
from orbito.websites import service
from orbito.websites.schemas import RegisteredWebsite, WebsiteDetails, WebsiteRegistration

router = APIRouter(prefix="/api/v1/websites", tags=["websites"])


@router.post(
    "/register",
    status_code=201,
    summary="Register a website and receive its API key",
    responses={201: {"model": RegisteredWebsite}, **errors(400, DomainAlreadyExists, 413, 429)},
    openapi_extra=request_body(WebsiteRegistration),
)
async def register_website(request: Request) -> JSONResponse:
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
async def website_details(website_id: str, request: Request) -> JSONResponse:
    holder = await authorize(request, KEYED)
    return JSONResponse(await service.website_details(parts(request).db, holder, website_id))
