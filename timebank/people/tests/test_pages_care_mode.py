"""The care mode (关怀模式) switch: a plain form post that the device remembers, for members only."""


def test_it_switches_on_and_off_and_returns_to_the_page(world, client):
    client.force_login(world.proxy)
    on = client.post("/care-mode/", {"care_mode": "on", "next": "/ledger/"})
    assert on.status_code == 302 and on["Location"] == "/ledger/"
    assert on.cookies["care_mode"].value == "1" and on.cookies["care_mode"]["samesite"] == "Lax"
    page = client.get("/ledger/").content.decode()
    assert 'class="member care-mode"' in page and "退出关怀模式" in page and 'id="read-aloud"' in page
    off = client.post("/care-mode/", {"care_mode": "off", "next": "/ledger/"})
    assert off.cookies["care_mode"].value == ""
    page = client.get("/ledger/").content.decode()
    assert 'class="member"' in page and "关怀模式（大字）" in page and 'id="read-aloud"' not in page


def test_it_is_remembered_before_signing_in(client):
    client.post("/care-mode/", {"care_mode": "on", "next": "/login/"})
    assert 'class="member care-mode"' in client.get("/login/").content.decode()


def test_it_never_sends_anyone_to_another_site(client):
    response = client.post("/care-mode/", {"care_mode": "on", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_staff_pages_stay_dense_and_have_no_switch(world, client):
    client.cookies["care_mode"] = "1"
    client.force_login(world.station_staff)
    page = client.get("/people/").content.decode()
    assert 'class="staff"' in page and "关怀模式" not in page
