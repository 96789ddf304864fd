import httpx

from tests.conftest import client_for, running_app


async def test_healthz_answers_while_the_process_runs(client: httpx.AsyncClient) -> None:
    response = await client.get("http://testserver/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_readyz_is_200_when_the_database_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("http://testserver/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok"}}


async def test_readyz_is_503_naming_the_database_when_it_cannot_be_reached(
    make_settings, unreachable_database_url
) -> None:
    settings = make_settings(database_url=unreachable_database_url)
    async with running_app(settings) as app, client_for(app) as client:
        response = await client.get("http://testserver/readyz")
        health = await client.get("http://testserver/healthz")

    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "SERVICE_UNAVAILABLE"
    assert error["details"]["checks"] == {"database": "unavailable"}
    assert health.status_code == 200
