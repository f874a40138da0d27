def test_it_tells_anyone_as_json_that_the_database_is_reachable_and_migrated(db, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"database": True, "migrations_applied": True, "status": "ok"}

