def test_it_tells_anyone_as_json_that_the_database_is_reachable_and_migrated(db, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"database": True, "migrations_applied": True, "status": "ok"}



def test_a_pending_migration_is_a_503_until_applied_then_the_graph_is_not_read_again(db, client, monkeypatch):
    from timebank import health_check

    monkeypatch.setattr(health_check, "_migrated_once", False)
    monkeypatch.setattr(health_check.MigrationExecutor, "migration_plan", lambda self, targets: ["pending"])
    pending = client.get("/healthz")
    assert pending.status_code == 503
    assert pending.json()["migrations_applied"] is False

    monkeypatch.setattr(health_check.MigrationExecutor, "migration_plan", lambda self, targets: [])
    assert client.get("/healthz").status_code == 200

    def reads_the_graph(*args, **kwargs):
        raise AssertionError("the migration graph was read again")

    monkeypatch.setattr(health_check, "MigrationExecutor", reads_the_graph)
    assert client.get("/healthz").json() == {"database": True, "migrations_applied": True, "status": "ok"}
