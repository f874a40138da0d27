"""The card-reader simulator against a real HTTP server: offline swipes wait in the spool, go up
when the platform is back, and a replay of everything stores nothing twice."""
import io
import json

import pytest
from django.core.management import CommandError, call_command

from timebank.health.card_reader import CardReader
from timebank.health.models import Alert, Reading


def simulate(*args) -> str:
    out = io.StringIO()
    call_command("health_simulate", *args, stdout=out)
    return out.getvalue()


def test_the_reader_buffers_offline_uploads_later_a_replay_stores_nothing_and_revoked_is_refused(
        transactional_db, live_server, health_world, tmp_path):
    w = health_world
    spool = str(tmp_path / "reader")
    simulate("enroll", "--spool", spool, "--token", w.device_token, "--station", str(w.station_a1.pk),
             "--cards-by", w.station_staff.mobile, "--elders", "1", "--url", "http://127.0.0.1:9")
    assert CardReader(spool).config["uids"] == ["04A1B2C3"]
    simulate("swipe", "--spool", spool, "--count", "6", "--seed", "3")
    offline = simulate("upload", "--spool", spool)
    assert "unreachable" in offline and CardReader(spool).status()["pending"] == 6
    assert Reading.objects.count() == 0

    config = json.loads((tmp_path / "reader" / "reader.json").read_text())
    (tmp_path / "reader" / "reader.json").write_text(json.dumps({**config, "url": live_server.url}))
    reader = CardReader(spool)
    assert reader.upload(batch=4) == {"stored": 6, "duplicate": 0, "rejected": 0, "offline": False, "left": 0}
    assert reader.replay() == {"stored": 0, "duplicate": 6, "rejected": 0}
    assert Reading.objects.filter(device=w.device).count() == 6
    assert sorted(Reading.objects.values_list("sequence", flat=True)) == [1, 2, 3, 4, 5, 6]

    simulate("swipe", "--spool", spool, "--count", "1", "--urgent", "1")
    assert "stored 1" in simulate("upload", "--spool", spool)
    assert Alert.objects.filter(elder=w.elder, severity="urgent").count() == 1

    # A revoked reader is told so (the command fails with the status) and keeps what it measured.
    from timebank.health import services

    reader.swipe(2)
    services.device_revoke(actor=w.bank_admin, device=w.device)
    with pytest.raises(CommandError, match="401"):
        simulate("upload", "--spool", spool)
    assert reader.status()["pending"] == 2
