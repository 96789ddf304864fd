from tests.factories import register_website, register_action, keyed

async def test_flow(client):
    site = await register_website(client, "example.com")
    await register_action(client, site["api_key"])
    r = await client.get("/actions", params={"domain": "example.com"})
    assert r.json()["total_count"] == 1
