"""Staff register elders; volunteers sign themselves up and station staff approve them."""
import datetime as dt

from timebank.audit.models import AuditEvent
from timebank.conftest import new_id_number
from timebank.people.models import Person


def elder_form(world, **changes):
    form = {"kind": "elder", "station": world.station_a1.pk, "name": "陈阿婆", "id_number": new_id_number(dt.date(1944, 6, 1)),
            "mobile": "", "address": "政立路 8 号", "consent": "on"}
    form.update(changes)
    return form


def test_station_staff_register_an_elder_without_a_phone(world, client):
    client.force_login(world.station_staff)
    response = client.post("/people/register/", elder_form(world), follow=True)
    assert "陈阿婆" in response.content.decode()
    elder = Person.objects.get(name="陈阿婆")
    assert elder.is_elder and elder.node == world.station_a1 and elder.mobile is None


def test_a_bad_id_checksum_shows_the_error_and_registers_nobody(world, client):
    client.force_login(world.station_staff)
    number = new_id_number(dt.date(1944, 6, 1))
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    response = client.post("/people/register/", elder_form(world, id_number=wrong))
    assert response.status_code == 422
    assert "最后一位不匹配" in response.content.decode()
    assert not Person.objects.filter(name="陈阿婆").exists()


def test_consent_is_required(world, client):
    client.force_login(world.station_staff)
    form = elder_form(world)
    del form["consent"]
    response = client.post("/people/register/", form)
    assert response.status_code == 422
    assert not Person.objects.filter(name="陈阿婆").exists()


def test_station_staff_may_only_choose_their_own_stations(world, client):
    client.force_login(world.station_staff)
    page = client.get("/people/register/").content.decode()
    assert "政立路社区" in page and "长白一村社区" not in page
    response = client.post("/people/register/", elder_form(world, station=world.station_b1.pk))
    assert response.status_code == 422
    assert not Person.objects.filter(name="陈阿婆").exists()


def test_a_volunteer_signs_up_and_waits_then_staff_approve(world, client):
    page = client.get("/signup/").content.decode()
    assert "五角场街道" in page and "<optgroup" in page
    form = {"name": "周热心", "id_number": new_id_number(dt.date(1990, 1, 2), "M"), "mobile": "13600000066",
            "password": "Helper#2026x", "password_again": "Helper#2026x", "station": world.station_a2.pk, "consent": "on"}
    response = client.post("/signup/", form, follow=True)
    assert "等待" in response.content.decode()  # approval pending
    person = Person.objects.get(name="周热心")
    assert person.volunteer_status == "pending"

    client.force_login(world.station_staff)  # 政立路 staff do not reach 国权路
    assert "目前没有待审核的志愿者" in client.get("/approvals/").content.decode()
    client.force_login(world.branch_admin)
    assert "周热心" in client.get("/approvals/").content.decode()
    assert "1 名志愿者等待审核" in client.get("/").content.decode()
    response = client.post(f"/approvals/{person.pk}/", {"decision": "approve"}, follow=True)
    assert "周热心 已通过志愿者审核" in response.content.decode()
    person.refresh_from_db()
    assert person.volunteer_status == "approved"
    assert AuditEvent.objects.filter(action="volunteer.approved", object_id=str(person.pk)).exists()
    assert "目前没有待审核的志愿者" in client.get("/approvals/").content.decode()


def test_a_sign_up_with_a_taken_mobile_is_refused_with_a_message(world, client):
    form = {"name": "周热心", "id_number": new_id_number(dt.date(1990, 1, 2), "M"), "mobile": world.volunteer.mobile,
            "password": "Helper#2026x", "password_again": "Helper#2026x", "station": world.station_a2.pk, "consent": "on"}
    response = client.post("/signup/", form)
    assert response.status_code == 422
    assert "该手机号已注册" in response.content.decode()
    assert not Person.objects.filter(name="周热心").exists()
