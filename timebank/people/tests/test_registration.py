import datetime as dt

import pytest

from timebank.audit.models import AuditEvent
from timebank.conftest import make_person, new_id_number
from timebank.lib import field_crypto
from timebank.lib.errors import DomainError
from timebank.orgs.models import NodeKind
from timebank.orgs.roles import Role
from timebank.orgs.services import bank_rules_set, node_close, node_create, role_grant
from timebank.people.models import Person, VolunteerStatus
from timebank.people.services import person_register, volunteer_decide


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)


def wrong_check_digit(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


def years_ago(years: int, days: int = 30) -> dt.date:
    today = dt.date.today()
    return today.replace(year=today.year - years) - dt.timedelta(days=days)


@pytest.fixture
def other_bank(world):
    """A second district on the same platform, with its own station and station staff."""
    bank = node_create(actor=None, parent=world.platform, kind=NodeKind.BANK, name="虹口区")
    branch = node_create(actor=None, parent=bank, kind=NodeKind.BRANCH, name="四川北路街道")
    station = node_create(actor=None, parent=branch, kind=NodeKind.STATION, name="多伦路社区")
    staff = make_person(station, "虹口站员", mobile="13900000031")
    role_grant(actor=None, person=staff, role=Role.STATION_STAFF, node=station)
    bank.station, bank.staff = station, staff
    return bank


def register_elder(world, **overrides):
    fields = {"actor": world.station_staff, "station": world.station_a1, "name": "陈阿婆",
              "id_number": new_id_number(dt.date(1944, 6, 1), "F"), "is_elder": True, "consent": True}
    fields.update(overrides)
    return person_register(**fields)


def refused(call) -> DomainError:
    people, events = Person.objects.count(), AuditEvent.objects.count()
    with pytest.raises(DomainError) as err:
        call()
    assert (Person.objects.count(), AuditEvent.objects.count()) == (people, events), "a refused request changed data"
    assert 400 <= err.value.status < 500
    return err.value


# --- through the service ---------------------------------------------------------------


def test_it_registers_an_elder_without_a_phone_and_keeps_the_id_number_encrypted(world):
    number = new_id_number(dt.date(1944, 6, 1), "F")
    elder = register_elder(world, id_number=number)
    assert elder.mobile is None and not elder.has_usable_password()
    assert elder.birth_date == dt.date(1944, 6, 1) and elder.gender == "F"
    assert elder.id_masked == number[:6] + "********" + number[-4:]
    assert number not in elder.id_number_encrypted and field_crypto.decrypt(elder.id_number_encrypted) == number
    assert AuditEvent.objects.filter(action="person.registered", object_id=str(elder.pk),
                                     actor=world.station_staff).exists()


def test_it_refuses_an_id_number_with_a_wrong_check_digit(world):
    error = refused(lambda: register_elder(world, id_number=wrong_check_digit(new_id_number())))
    assert error.code == "id_number_invalid" and error.detail == {"reason": "id_number_checksum"}


@pytest.mark.parametrize("field,value", [("birth_date", dt.date(1944, 6, 2)), ("gender", "M")])
def test_it_refuses_a_birth_date_or_gender_that_disagrees_with_the_id_number(world, field, value):
    number = new_id_number(dt.date(1944, 6, 1), "F")
    error = refused(lambda: register_elder(world, id_number=number, **{field: value}))
    assert error.code == "id_number_mismatch" and error.detail == {"field": field}


def test_it_reads_full_width_digits_and_a_lowercase_x_as_the_same_number(world):
    number = "11010519491231002X"  # the GB 11643-1999 worked example
    elder = register_elder(world, id_number=full_width(number[:17]) + "x")
    assert field_crypto.decrypt(elder.id_number_encrypted) == number
    error = refused(lambda: register_elder(world, id_number=number, name="另一个人"))
    assert error.code == "duplicate_person" and error.status == 409


def test_the_same_id_number_is_refused_twice_in_a_bank_but_allowed_in_another_bank(world, other_bank):
    number = new_id_number(dt.date(1944, 6, 1), "F")
    register_elder(world, id_number=number)
    error = refused(lambda: register_elder(world, id_number=number, actor=world.other_station_staff,
                                           station=world.station_b1))
    assert error.code == "duplicate_person"
    elsewhere = register_elder(world, id_number=number, actor=other_bank.staff, station=other_bank.station)
    assert elsewhere.bank == other_bank


@pytest.mark.parametrize("mobile", ["12345", "1380000001", "23800000011", "138000000111", "abcdefghijk"])
def test_it_refuses_a_mobile_that_is_not_a_mainland_number(world, mobile):
    assert refused(lambda: register_elder(world, mobile=mobile)).code == "mobile_invalid"


def test_it_normalises_a_mobile_typed_with_spaces_full_width_digits_or_plus_86(world):
    elder = register_elder(world, mobile="+86 " + full_width("138 1234 5678"))
    assert elder.mobile == "13812345678"


def test_it_refuses_a_mobile_someone_else_registered(world):
    error = refused(lambda: register_elder(world, mobile=world.volunteer.mobile))
    assert error.code == "mobile_taken" and error.status == 409


def test_it_refuses_an_elder_younger_than_the_banks_minimum_age(world):
    error = refused(lambda: register_elder(world, id_number=new_id_number(years_ago(59), "F")))
    assert error.code == "too_young" and error.detail == {"min_age": 60}
    assert register_elder(world, id_number=new_id_number(years_ago(61), "F")).is_elder


def test_a_bank_may_raise_the_elder_age(world):
    bank_rules_set(actor=world.bank_admin, bank=world.bank, elder_min_age=65)
    error = refused(lambda: register_elder(world, id_number=new_id_number(years_ago(62), "F")))
    assert error.code == "too_young" and error.detail == {"min_age": 65}


def test_a_volunteer_under_18_needs_a_guardians_consent(world):
    number = new_id_number(years_ago(16), "M")
    error = refused(lambda: register_elder(world, id_number=number, is_elder=False, is_volunteer=True))
    assert error.code == "too_young"
    minor = register_elder(world, id_number=number, is_elder=False, is_volunteer=True, guardian_consent=True)
    assert minor.is_volunteer and minor.guardian_consent


def test_it_refuses_an_unknown_or_closed_station(world):
    assert refused(lambda: register_elder(world, station=987654)).code == "station_unknown"
    assert refused(lambda: register_elder(world, station=world.branch_a)).code == "station_unknown"
    node_close(actor=world.bank_admin, node=world.station_a2)
    error = refused(lambda: register_elder(world, actor=world.branch_admin, station=world.station_a2))
    assert error.code == "station_unknown"


def test_station_staff_cannot_register_people_at_another_branchs_station(world):
    assert refused(lambda: register_elder(world, station=world.station_b1)).code == "station_unknown"


def test_it_refuses_to_register_without_consent(world):
    assert refused(lambda: register_elder(world, consent=False)).code == "consent_required"


# --- through POST /api/v1/people -------------------------------------------------------


def elder_payload(world, **overrides):
    payload = {"name": "陈阿婆", "id_number": new_id_number(dt.date(1944, 6, 1), "F"),
               "station_id": world.station_a1.pk, "is_elder": True, "consent": True}
    payload.update(overrides)
    return payload


def post_refused(api_client, path, payload, status):
    people, events = Person.objects.count(), AuditEvent.objects.count()
    response = api_client.post(path, payload, content_type="application/json")
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "detail"} and body["message"]
    assert (Person.objects.count(), AuditEvent.objects.count()) == (people, events)
    return body


def test_staff_register_an_elder_through_the_api_and_see_only_masked_numbers(world, api_client):
    api_client.login_as(world.station_staff)
    payload = elder_payload(world, mobile="13812345678")
    response = api_client.post("/api/v1/people", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["mobile_masked"] == "138****5678"
    assert body["id_number_masked"] == payload["id_number"][:6] + "********" + payload["id_number"][-4:]
    assert payload["id_number"] not in response.content.decode()
    assert body["station_id"] == world.station_a1.pk and body["is_elder"]


@pytest.mark.parametrize("change,status,code", [
    (lambda w, p: {"id_number": wrong_check_digit(p["id_number"])}, 422, "id_number_invalid"),
    (lambda w, p: {"id_number": "31011019440230002X"}, 422, "id_number_invalid"),
    (lambda w, p: {"mobile": "1381234567"}, 422, "mobile_invalid"),
    (lambda w, p: {"mobile": w.volunteer.mobile}, 409, "mobile_taken"),
    (lambda w, p: {"id_number": w.elder.plain_id_number}, 409, "duplicate_person"),
    (lambda w, p: {"id_number": new_id_number(years_ago(50), "F")}, 422, "too_young"),
    (lambda w, p: {"is_elder": False, "is_volunteer": True, "id_number": new_id_number(years_ago(15), "F")},
     422, "too_young"),
    (lambda w, p: {"station_id": 987654}, 422, "station_unknown"),
    (lambda w, p: {"station_id": w.station_b1.pk}, 422, "station_unknown"),
    (lambda w, p: {"consent": False}, 422, "consent_required"),
    (lambda w, p: {"consent": None}, 422, "validation_error"),
    (lambda w, p: {"name": "   "}, 422, "name_invalid"),
])
def test_the_api_refuses_bad_registrations_with_a_code_and_creates_nothing(world, api_client, change, status, code):
    api_client.login_as(world.station_staff)
    payload = elder_payload(world)
    payload.update(change(world, payload))
    payload = {k: v for k, v in payload.items() if v is not None}
    assert post_refused(api_client, "/api/v1/people", payload, status)["code"] == code


def test_the_api_accepts_a_full_width_id_number(world, api_client):
    api_client.login_as(world.station_staff)
    number = new_id_number(dt.date(1944, 6, 1), "F")
    response = api_client.post("/api/v1/people", elder_payload(world, id_number=full_width(number)),
                               content_type="application/json")
    assert response.status_code == 201
    assert response.json()["id_number_masked"].endswith(number[-4:])


def test_the_same_id_number_registers_in_another_bank_through_the_api(world, other_bank, api_client):
    api_client.login_as(other_bank.staff)
    payload = elder_payload(world, id_number=world.elder.plain_id_number, station_id=other_bank.station.pk)
    response = api_client.post("/api/v1/people", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["bank_id"] == other_bank.pk


def test_members_cannot_register_people(world, api_client):
    api_client.login_as(world.volunteer)
    assert post_refused(api_client, "/api/v1/people", elder_payload(world), 422)["code"] == "station_unknown"


# --- volunteer sign-up: POST /api/v1/signup --------------------------------------------


def signup_payload(world, **overrides):
    payload = {"name": "刘小青", "mobile": "13700000001", "password": "Volunteer#2026",
               "id_number": new_id_number(dt.date(1990, 4, 5), "F"), "station_id": world.station_a1.pk,
               "consent": True}
    payload.update(overrides)
    return payload


@pytest.mark.parametrize("change,status,code", [
    (lambda w, p: {"id_number": wrong_check_digit(p["id_number"])}, 422, "id_number_invalid"),
    (lambda w, p: {"mobile": "137000000"}, 422, "mobile_invalid"),
    (lambda w, p: {"mobile": ""}, 422, "mobile_invalid"),
    (lambda w, p: {"mobile": w.proxy.mobile}, 409, "mobile_taken"),
    (lambda w, p: {"id_number": w.elder.plain_id_number}, 409, "duplicate_person"),
    (lambda w, p: {"id_number": new_id_number(years_ago(17), "M")}, 422, "too_young"),
    (lambda w, p: {"station_id": 987654}, 422, "station_unknown"),
    (lambda w, p: {"station_id": w.branch_a.pk}, 422, "station_unknown"),
    (lambda w, p: {"consent": False}, 422, "consent_required"),
    (lambda w, p: {"consent": None}, 422, "validation_error"),
    (lambda w, p: {"password": "12345678"}, 422, "password_weak"),
])
def test_sign_up_refuses_bad_input_with_a_code_and_creates_nothing(world, api_client, change, status, code):
    payload = signup_payload(world)
    payload.update(change(world, payload))
    payload = {k: v for k, v in payload.items() if v is not None}
    assert post_refused(api_client, "/api/v1/signup", payload, status)["code"] == code


def test_sign_up_at_a_closed_station_is_refused(world, api_client):
    node_close(actor=world.bank_admin, node=world.station_a2)
    payload = signup_payload(world, station_id=world.station_a2.pk)
    assert post_refused(api_client, "/api/v1/signup", payload, 422)["code"] == "station_unknown"


def test_a_minor_signs_up_with_a_guardians_consent(world, api_client):
    payload = signup_payload(world, id_number=new_id_number(years_ago(16), "M"), guardian_consent=True)
    response = api_client.post("/api/v1/signup", payload, content_type="application/json")
    assert response.status_code == 201, response.content


def test_a_volunteer_waits_for_station_staff_then_is_approved(world, api_client):
    response = api_client.post("/api/v1/signup", signup_payload(world), content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["volunteer_status"] == "pending"
    volunteer = Person.objects.get(pk=response.json()["id"])
    assert AuditEvent.objects.filter(action="person.signed_up", actor=volunteer).exists()

    with pytest.raises(DomainError) as err:
        volunteer_decide(actor=world.other_station_staff, person=volunteer, approve=True)
    assert err.value.status == 404
    volunteer_decide(actor=world.station_staff, person=volunteer, approve=True)

    api_client.login_as(volunteer, password="Volunteer#2026")
    me = api_client.get("/api/v1/me").json()
    assert me["is_volunteer"] and me["volunteer_status"] == "approved"
    assert AuditEvent.objects.filter(action="volunteer.approved", actor=world.station_staff,
                                     object_id=str(volunteer.pk)).exists()
    with pytest.raises(DomainError) as err:
        volunteer_decide(actor=world.station_staff, person=volunteer, approve=False)
    assert err.value.code == "not_pending"


def test_a_rejected_volunteer_is_told_so(world, api_client):
    response = api_client.post("/api/v1/signup", signup_payload(world), content_type="application/json")
    volunteer = Person.objects.get(pk=response.json()["id"])
    volunteer_decide(actor=world.branch_admin, person=volunteer, approve=False)
    api_client.login_as(volunteer, password="Volunteer#2026")
    assert api_client.get("/api/v1/me").json()["volunteer_status"] == VolunteerStatus.REJECTED


def test_a_bank_without_approval_approves_volunteers_at_once(world, api_client):
    bank_rules_set(actor=world.bank_admin, bank=world.bank, volunteer_approval_required=False)
    response = api_client.post("/api/v1/signup", signup_payload(world), content_type="application/json")
    assert response.status_code == 201
    assert response.json()["volunteer_status"] == "approved"
