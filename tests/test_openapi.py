import asyncio
import threading

import httpx
import pytest

from orbito import openapi

ROUTES = {
    ("/api/v1/websites/register", "post"),
    ("/api/v1/websites/{website_id}", "get"),
    ("/api/v1/actions/register", "post"),
    ("/api/v1/actions", "get"),
    ("/api/v1/actions/{action_id}/status", "patch"),
    ("/api/v1/actions/{action_id}/usage", "post"),
    ("/api/v1/actions/{action_id}", "delete"),
}


async def document(client: httpx.AsyncClient) -> dict:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


async def test_the_document_lists_every_contract_route(client: httpx.AsyncClient) -> None:
    paths = (await document(client))["paths"]
    listed = {(path, method) for path, operations in paths.items() for method in operations}
    assert ROUTES <= listed


async def test_errors_are_documented_with_the_envelope_and_never_422(
    client: httpx.AsyncClient,
) -> None:
    doc = await document(client)
    for path, method in ROUTES:
        responses = doc["paths"][path][method]["responses"]
        assert "422" not in responses
        assert "500" in responses
        for status, answer in responses.items():
            if status.startswith(("4", "5")):
                schema = answer["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorEnvelope"}
    assert doc["paths"]["/api/v1/actions/register"]["post"]["responses"]["400"]
    assert "HTTPValidationError" not in doc["components"]["schemas"]


async def test_request_bodies_show_the_contract_examples(client: httpx.AsyncClient) -> None:
    doc = await document(client)
    body = doc["paths"]["/api/v1/actions/register"]["post"]["requestBody"]["content"][
        "application/json"
    ]
    schema = doc["components"]["schemas"][body["schema"]["$ref"].rsplit("/", 1)[1]]
    assert schema["required"] == ["action_id", "intent", "selector"]
    assert schema["examples"][0]["intent"] == "addToCart"
    website = doc["components"]["schemas"]["WebsiteRegistration"]
    assert website["examples"][0]["domain"] == "example.com"


async def test_keyed_routes_declare_the_api_key_scheme(client: httpx.AsyncClient) -> None:
    doc = await document(client)
    scheme = doc["components"]["securitySchemes"]["APIKeyHeader"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "X-API-Key")
    keyed = doc["paths"]["/api/v1/actions/register"]["post"]["security"]
    assert keyed == [{"APIKeyHeader": []}]
    assert "security" not in doc["paths"]["/api/v1/actions"]["get"]
    assert "security" not in doc["paths"]["/api/v1/websites/register"]["post"]


async def test_interactive_docs_are_served(client: httpx.AsyncClient) -> None:
    response = await client.get("http://testserver/docs")
    assert response.status_code == 200
    assert "/api/v1/openapi.json" in response.text


async def test_each_route_names_only_the_not_found_codes_it_can_answer(
    client: httpx.AsyncClient,
) -> None:
    paths = (await document(client))["paths"]
    details = paths["/api/v1/websites/{website_id}"]["get"]["responses"]["404"]["description"]
    discovery = paths["/api/v1/actions"]["get"]["responses"]["404"]["description"]
    assert "WEBSITE_NOT_FOUND" in details and "DOMAIN_NOT_FOUND" not in details
    assert "DOMAIN_NOT_FOUND" in discovery and "ACTION_NOT_FOUND" not in discovery
    assert "503" in paths["/readyz"]["get"]["responses"]


async def test_the_document_is_built_once_and_off_the_event_loop(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loading FastAPI and building take a fifth of a second, which the loop must not wait."""
    builders: list[threading.Thread] = []
    build = openapi.build_document

    def recorded(routes):  # type: ignore[no-untyped-def]
        builders.append(threading.current_thread())
        return build(routes)

    monkeypatch.setattr(openapi, "build_document", recorded)
    answers = await asyncio.gather(
        *(client.get("http://testserver/api/v1/openapi.json") for _ in range(3))
    )

    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert answers[0].json() == answers[2].json()
    assert len(builders) == 1 and builders[0] is not threading.main_thread()
