"""The people register for staff: search, filters, CSV, a person's record, reveal, edit, proxies, passwords."""
import csv
import io

import pytest

from timebank.audit.models import AuditEvent
from timebank.people.models import Person, ProxyLink


def names_in(response) -> str:
    return response.content.decode()


def test_staff_find_people_by_pinyin_initials(world, client):
    client.force_login(world.station_staff)
    page = names_in(client.get("/people/", {"q": "zxm"}))
    assert "张晓明" in page and "李志愿" not in page


def test_staff_find_people_by_the_last_four_digits_of_the_phone_or_id(world, client):
    client.force_login(world.station_staff)
    page = names_in(client.get("/people/", {"q": "0011"}))
    assert "李志愿" in page and "张晓明" not in page
    page = names_in(client.get("/people/", {"q": world.elder.plain_id_number[-4:]}))
    assert "张晓明" in page


def test_the_list_filters_by_role_and_never_shows_another_branch(world, client):
    client.force_login(world.branch_admin)
    page = names_in(client.get("/people/", {"role": "elder"}))
    assert "张晓明" in page and "李志愿" not in page
    assert "王长白" not in page  # an elder of the other branch


def test_live_search_returns_only_the_table_fragment(world, client):
    client.force_login(world.station_staff)
    response = client.get("/people/", {"q": "zxm"}, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert "张晓明" in page and "<html" not in page
    assert "HX-Request" in response["Vary"]


def test_the_csv_export_holds_the_filtered_people_with_masked_numbers(world, client):
    client.force_login(world.station_staff)
    response = client.get("/people/", {"role": "volunteer", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 2  # header + 李志愿
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["姓名"] == "李志愿"
    assert row["手机号"] == "138****0011"
    assert row["身份证号"] == world.volunteer.plain_id_number[:6] + "********" + world.volunteer.plain_id_number[-4:]


@pytest.mark.parametrize("path", ["/people/{pk}/", "/people/{pk}/edit/"])
def test_another_branchs_person_is_a_404_page(world, client, path):
    client.force_login(world.other_branch_admin)
    assert client.get(path.format(pk=world.elder.pk)).status_code == 404


def test_revealing_another_branchs_person_is_a_404_and_not_audited(world, client):
    client.force_login(world.other_branch_admin)
    assert client.post(f"/people/{world.elder.pk}/reveal/").status_code == 404
    assert not AuditEvent.objects.filter(action="person.viewed_full").exists()


def test_the_record_shows_masked_numbers_and_reveals_them_once_with_an_audit_event(world, client):
    client.force_login(world.branch_admin)
    page = names_in(client.get(f"/people/{world.volunteer.pk}/"))
    assert world.volunteer.plain_id_number not in page and "138****0011" in page
    assert "显示完整号码" in page
    page = names_in(client.post(f"/people/{world.volunteer.pk}/reveal/"))
    assert world.volunteer.plain_id_number in page and "13800000011" in page
    event = AuditEvent.objects.get(action="person.viewed_full")
    assert event.actor == world.branch_admin and event.object_id == str(world.volunteer.pk)
    assert world.volunteer.plain_id_number not in names_in(client.get(f"/people/{world.volunteer.pk}/"))


def test_station_staff_have_no_reveal_button_and_are_refused(world, client):
    client.force_login(world.station_staff)
    assert "显示完整号码" not in names_in(client.get(f"/people/{world.elder.pk}/"))
    assert client.post(f"/people/{world.elder.pk}/reveal/").status_code == 403


def test_staff_edit_a_record_and_a_bad_mobile_is_shown_on_the_form(world, client):
    client.force_login(world.station_staff)
    form = {"name": "张晓明", "mobile": "12345", "address": "政立路 1 号", "node": world.station_a1.pk,
            "status": "active", "is_elder": "on"}
    response = client.post(f"/people/{world.elder.pk}/edit/", form)
    assert response.status_code == 422
    assert "手机号为 11 位数字" in response.content.decode()
    form["mobile"] = "13700000099"
    response = client.post(f"/people/{world.elder.pk}/edit/", form, follow=True)
    assert "政立路 1 号" in response.content.decode()
    world.elder.refresh_from_db()
    assert world.elder.mobile == "13700000099"
    assert AuditEvent.objects.filter(action="person.updated", object_id=str(world.elder.pk)).exists()


def test_staff_link_a_proxy_by_mobile_and_unlink_them(world, client):
    client.force_login(world.station_staff)
    response = client.post(f"/people/{world.elder.pk}/proxies/", {"mobile": "138 0000 0012", "relation": "child"},
                           follow=True)
    assert "张家属" in response.content.decode()
    link = ProxyLink.objects.get(elder=world.elder, proxy=world.proxy, revoked_at__isnull=True)
    client.post(f"/people/{world.elder.pk}/proxies/{link.pk}/remove/")
    link.refresh_from_db()
    assert link.revoked_at is not None


def test_a_proxy_outside_the_staff_members_area_is_not_found(world, client):
    client.force_login(world.station_staff)
    response = client.post(f"/people/{world.elder.pk}/proxies/", {"mobile": world.other_station_staff.mobile,
                                                                   "relation": "child"})
    assert response.status_code == 422
    assert "请先登记" in response.content.decode()
    assert not ProxyLink.objects.exists()


def test_staff_set_a_new_password_and_the_person_can_sign_in_with_it(world, client):
    client.force_login(world.station_staff)
    response = client.post(f"/people/{world.volunteer.pk}/password/",
                           {"new_password": "Fresh#Start-2026", "new_password_again": "Fresh#Start-2026"})
    assert response.status_code == 302
    assert Person.objects.get(pk=world.volunteer.pk).check_password("Fresh#Start-2026")
    assert AuditEvent.objects.filter(action="person.password_reset").exists()
