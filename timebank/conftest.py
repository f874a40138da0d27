"""Personas shared by every test: a small district with two branches and one person per role."""
import datetime as dt
import itertools
import threading
from types import SimpleNamespace

import pytest
from django.db import connection
from django.utils import timezone

from timebank.lib.errors import DomainError
from timebank.lib.resident_id import compose
from timebank.orgs.models import NodeKind
from timebank.orgs.roles import Role
from timebank.orgs.services import node_create, role_grant
from timebank.people.models import Person

PASSWORD = "Timebank#2026"


def pytest_configure(config):
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["timebank.lib.fast_argon2.FastArgon2PasswordHasher"]


class Clock:
    """The time services read (`timezone.now()`), stopped at a moment and moved by hand."""

    def __init__(self, start: dt.datetime):
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def at(self, moment: dt.datetime) -> dt.datetime:
        self.now = moment
        return moment

    def advance(self, **delta) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    c = Clock(timezone.now().replace(microsecond=0))
    monkeypatch.setattr(timezone, "now", c)
    return c


_serials = itertools.count(1)


def new_id_number(birth=dt.date(1950, 3, 7), sex="F") -> str:
    return compose("310110", birth, next(_serials), sex)


def make_person(station, name, *, mobile=None, birth=dt.date(1980, 5, 1), sex="M", **flags) -> Person:
    from timebank.lib import field_crypto
    from timebank.lib.masking import mask_id_number
    from timebank.lib.pinyin import initials

    number = new_id_number(birth, sex)
    if flags.get("volunteer_status") == "approved":
        flags.setdefault("volunteer_since", timezone.now())
    person = Person.objects.create_user(
        mobile, PASSWORD if mobile else None, name=name, name_initials=initials(name), gender=sex, birth_date=birth,
        id_number_encrypted=field_crypto.encrypt(number), id_number_hash=field_crypto.lookup_hash(number),
        id_tail=number[-4:], id_masked=mask_id_number(number), bank=station.bank, node=station, **flags,
    )
    person.plain_id_number = number
    return person


@pytest.fixture
def world(db):
    """Platform → 杨浦区 bank → 五角场 and 长白 branches → stations, with a person for every role."""
    w = SimpleNamespace()
    w.platform = node_create(actor=None, parent=None, kind=NodeKind.PLATFORM, name="上海市平台")
    w.bank = node_create(actor=None, parent=w.platform, kind=NodeKind.BANK, name="杨浦区", name_en="Yangpu")
    w.branch_a = node_create(actor=None, parent=w.bank, kind=NodeKind.BRANCH, name="五角场街道")
    w.branch_b = node_create(actor=None, parent=w.bank, kind=NodeKind.BRANCH, name="长白新村街道")
    w.station_a1 = node_create(actor=None, parent=w.branch_a, kind=NodeKind.STATION, name="政立路社区")
    w.station_a2 = node_create(actor=None, parent=w.branch_a, kind=NodeKind.STATION, name="国权路社区")
    w.station_b1 = node_create(actor=None, parent=w.branch_b, kind=NodeKind.STATION, name="长白一村社区")

    def staff(name, mobile, role, node):
        person = make_person(node if node.kind == NodeKind.STATION else w.station_a1, name, mobile=mobile)
        if node.kind != NodeKind.STATION:
            person.node = node
            person.save(update_fields=["node"])
        role_grant(actor=None, person=person, role=role, node=node)
        return person

    w.bank_admin = staff("区管理员", "13900000001", Role.BANK_ADMIN, w.bank)
    w.auditor = staff("审计员", "13900000002", Role.AUDITOR, w.bank)
    w.branch_admin = staff("五角场管理员", "13900000003", Role.BRANCH_ADMIN, w.branch_a)
    w.station_staff = staff("政立路站员", "13900000004", Role.STATION_STAFF, w.station_a1)
    w.other_branch_admin = staff("长白管理员", "13900000005", Role.BRANCH_ADMIN, w.branch_b)
    w.other_station_staff = staff("长白站员", "13900000006", Role.STATION_STAFF, w.station_b1)
    w.elder = make_person(w.station_a1, "张晓明", birth=dt.date(1948, 2, 3), sex="M", is_elder=True)
    w.volunteer = make_person(w.station_a1, "李志愿", mobile="13800000011", birth=dt.date(1962, 8, 9), sex="F",
                              is_volunteer=True, volunteer_status="approved")
    w.proxy = make_person(w.station_a1, "张家属", mobile="13800000012", birth=dt.date(1975, 1, 1))
    w.other_elder = make_person(w.station_b1, "王长白", birth=dt.date(1945, 4, 4), sex="F", is_elder=True)
    w.password = PASSWORD
    return w


@pytest.fixture
def api_client(client):
    """A test client with helpers that sign in through the API and send the bearer token."""
    from django.test import Client

    class ApiClient(Client):
        token = None

        def login_as(self, person, password=PASSWORD):
            response = self.post("/api/v1/auth/token", {"username": person.mobile, "password": password},
                                 content_type="application/json")
            assert response.status_code == 200, response.content
            self.token = response.json()["token"]
            return self

        def _base_environ(self, **request):
            environ = super()._base_environ(**request)
            if self.token:
                environ["HTTP_AUTHORIZATION"] = f"Bearer {self.token}"
            return environ

    return ApiClient()


@pytest.fixture
def postgres_only(transactional_db):
    """For concurrency tests with real threads: they run in the PostgreSQL pass of `make test`.
    Put it first in the test's arguments so nothing is created before the skip."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (runs in the PostgreSQL pass of make test)")


def _set_purge_allowed(allowed: bool) -> None:
    # SQLite's flush between transactional tests is a DELETE: the append-only DELETE triggers let it
    # pass while `timebank_purge_allowed` holds a row (see audit migration 0003). PostgreSQL truncates.
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM timebank_purge_allowed")
            if allowed:
                cursor.execute("INSERT INTO timebank_purge_allowed (flag) VALUES (1)")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        _set_purge_allowed(True)


@pytest.fixture
def delete_guards_on(db):
    """Inside a test: make SQLite's append-only DELETE triggers bite again (PostgreSQL's always do)."""
    _set_purge_allowed(False)
    yield
    _set_purge_allowed(True)


# The PostgreSQL server is shared (max_connections 100): at most this many threads hold a connection.
CONNECTIONS = 30


def run_threads(count: int, work):
    """Start `count` threads together; every one reports a result or its exception (a DomainError, or
    anything else, e.g. a deadlock, so that a test asserting on the results sees it)."""
    results, barrier, gate = [], threading.Barrier(count), threading.BoundedSemaphore(CONNECTIONS)

    def body(i):
        barrier.wait()
        with gate:
            try:
                results.append(work(i))
            except DomainError as err:
                results.append(err)
            except Exception as err:  # noqa: BLE001 — a deadlock or a database error: the test sees it
                results.append(err)
            finally:
                connection.close()

    threads = [threading.Thread(target=body, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results
