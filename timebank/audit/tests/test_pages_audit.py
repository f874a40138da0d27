"""Auditors and bank admins read the audit log inside their reach, filter it and export it."""
import csv
import io

from timebank.orgs.roles import Role
from timebank.orgs.services import role_grant
from timebank.people.services import person_reveal, person_update


def test_the_log_lists_events_and_filters_by_action(world, client):
    person_reveal(actor=world.branch_admin, person=world.elder)
    person_update(actor=world.station_staff, person=world.volunteer, address="国权路 9 号")
    client.force_login(world.auditor)
    page = client.get("/audit/", {"action": "person.viewed_full"}).content.decode()
    assert "查看了完整身份证号和手机号" in page and "五角场管理员" in page
    assert "国权路 9 号" not in page
    page = client.get("/audit/", {"actor": "政立路站员"}).content.decode()
    assert "国权路 9 号" in page


def test_the_log_filters_by_object_and_date(world, client):
    person_update(actor=world.station_staff, person=world.volunteer, address="国权路 9 号")
    client.force_login(world.auditor)
    page = client.get("/audit/", {"object_type": "people.person", "object_id": world.volunteer.pk}).content.decode()
    assert "国权路 9 号" in page
    page = client.get("/audit/", {"object_type": "people.person", "object_id": world.elder.pk}).content.decode()
    assert "国权路 9 号" not in page
    assert "国权路 9 号" not in client.get("/audit/", {"date_to": "2020-01-01"}).content.decode()


def test_an_auditor_sees_only_their_subtree(world, client):
    branch_auditor = world.proxy
    role_grant(actor=None, person=branch_auditor, role=Role.AUDITOR, node=world.branch_b)
    person_update(actor=world.station_staff, person=world.volunteer, address="国权路 9 号")
    person_update(actor=world.other_station_staff, person=world.other_elder, address="长白路 1 号")
    client.force_login(branch_auditor)
    page = client.get("/audit/").content.decode()
    assert "长白路 1 号" in page and "国权路 9 号" not in page


def test_staff_without_the_audit_role_get_a_404(world, client):
    client.force_login(world.branch_admin)
    assert client.get("/audit/").status_code == 404


def test_the_csv_export_follows_the_filter_and_masks_phone_numbers(world, client):
    person_update(actor=world.station_staff, person=world.volunteer, mobile="13811112222")
    client.force_login(world.bank_admin)
    response = client.get("/audit/", {"action": "person.updated", "format": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 2
    assert rows[1][2] == "person.updated"
    assert "138****2222" in rows[1][-1] and "13811112222" not in rows[1][-1]
