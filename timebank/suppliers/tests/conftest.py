"""Supplier personas on top of the shared `world`: an admitted haircut supplier serving 五角场
with one staff member, a second (dearer) supplier, a proxy, coins for the elder, a clock."""
import datetime as dt

import pytest
from django.utils import timezone

from timebank.conftest import make_person
from timebank.demands import services as demands
from timebank.demands.models import ServiceType
from timebank.ledger import services as ledger
from timebank.ledger.models import AccountKind, TransferKind
from timebank.lib.credit_code import compose
from timebank.people.models import ProxyLink
from timebank.suppliers import services

_codes = iter(range(10000, 99999))


def new_code() -> str:
    return compose(f"91310110MA1G{next(_codes):05d}")


def in_a_year() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=365)


def new_supplier(w, name, *, node=None, areas=None, price=3000, coins=True, admit=True, staff_mobile=None,
                 service_type=None):
    supplier = services.supplier_register(
        actor=w.bank_admin, node=node or w.branch_a, name=name, credit_code=new_code(), contact_name="陈经理",
        contact_phone="13700000000", areas=areas or [w.branch_a],
        licences=[("营业执照", "L-" + name, in_a_year())],
        offers=[(service_type or w.haircut, price, coins)])
    if admit:
        supplier = services.supplier_admit(actor=w.bank_admin, supplier=supplier)
    if staff_mobile:
        person = make_person(w.station_a1, name + "员工", mobile=staff_mobile)
        services.supplier_member_add(actor=w.bank_admin, supplier=supplier, person=person)
        supplier.staff = person
    return supplier


def grant_coins(w, person, minutes):
    ledger.transfer_post(debit=ledger.system_account(w.branch_a, AccountKind.ISSUANCE),
                         credit=ledger.member_account(person), amount=minutes, kind=TransferKind.GRANT)


def coin_demand(w, hours_ahead=10):
    starts = timezone.now().replace(microsecond=0) + dt.timedelta(hours=hours_ahead)
    demand = demands.demand_create(actor=w.station_staff, station=w.station_a1, service_type=w.haircut,
                                   starts_at=starts, ends_at=starts + dt.timedelta(minutes=30), elder=w.elder,
                                   payer="elder", address="政立路 1 号")
    return demands.demand_publish(actor=w.station_staff, demand=demand)


def tomorrow_at(hour: int, days: int = 1) -> dt.datetime:
    day = timezone.localdate(timezone.now()) + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


@pytest.fixture
def sw(world):
    w = world
    w.haircut = ServiceType.objects.get(bank=w.bank, code="haircut")
    w.cleaning = ServiceType.objects.get(bank=w.bank, code="cleaning")
    ProxyLink.objects.create(bank=w.bank, proxy=w.proxy, elder=w.elder, relation="child")
    w.supplier = new_supplier(w, "美发之家", staff_mobile="13700000101")
    w.supplier_staff = w.supplier.staff
    w.other_supplier = new_supplier(w, "长白维修", node=w.branch_b, areas=[w.branch_b], staff_mobile="13700000102")
    w.other_supplier_staff = w.other_supplier.staff
    grant_coins(w, w.elder, 600)
    return w
