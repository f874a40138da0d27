"""Suppliers of the demo district, built through the services: the demo supplier login (金海生)
works for an admitted supplier of 五角场街道 with new and accepted orders, a neighbour's coin request
offered to it (保底), a complaint, a commendation and a joint meeting; a second supplier serves the whole
district and a third has applied through the public form. Runs once; a second call changes nothing."""
import datetime as dt

from django.db import transaction
from django.utils import timezone

from timebank.complaints import services as complaints
from timebank.demands import services as demands
from timebank.demands.models import ServiceType
from timebank.ledger.services import grant_make
from timebank.lib.credit_code import compose
from timebank.orgs.models import Node, NodeKind
from timebank.people.models import Person, ProxyLink
from timebank.people.selectors import elders_acted_for
from timebank.suppliers import services
from timebank.suppliers.models import Supplier

# First 17 characters of each demo supplier's code; the check character is computed.
CODES = {"kanghu": "91310110MA1FL3KH0", "peizhen": "52310110MJ5021PX7", "zhuyu": "91310110MA1H2XY19"}
SUPPLIER_LOGIN = "13900000004"
BANK_ADMIN = "13900000001"


def _at(days: int, hour: int) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _soon_enough_to_offer() -> dt.datetime:
    """The first of today's or tomorrow's 10:00 and 15:00 at least two hours away: always within the
    default 24 guarantee hours, whatever the hour the demo is seeded at."""
    earliest = timezone.now() + dt.timedelta(hours=2)
    return next(moment for days in (0, 1) for hour in (10, 15) if (moment := _at(days, hour)) >= earliest)


def seed_demo_suppliers() -> bool:
    """Build the demo suppliers unless they are there (or the district is not); True when built now."""
    from timebank.devdata.district import (
        BANK_CODE,
        FEATURED_ELDER,
        FEATURED_PROXY,
        _branch_index,
        _station_index,
        branch_admin_mobile,
        station_staff_mobile,
    )

    bank = Node.objects.filter(kind=NodeKind.BANK, code=BANK_CODE).first()
    if bank is None or Supplier.objects.filter(bank=bank, credit_code=compose(CODES["kanghu"])).exists():
        return False
    people = {p.mobile: p for p in Person.objects.filter(mobile__in=[
        SUPPLIER_LOGIN, BANK_ADMIN, FEATURED_ELDER[0], FEATURED_PROXY[0],
        station_staff_mobile(_station_index("wujiaochang", 1))])}
    admin, staff = people[BANK_ADMIN], people[station_staff_mobile(_station_index("wujiaochang", 1))]
    elder, proxy = people[FEATURED_ELDER[0]], people[FEATURED_PROXY[0]]
    branch = Node.objects.get(bank=bank, code="wujiaochang")
    station = Node.objects.get(bank=bank, code="wujiaochang-1")
    types = {t.code: t for t in ServiceType.objects.filter(bank=bank)}
    in_a_year = timezone.localdate() + dt.timedelta(days=365)
    with transaction.atomic():
        kanghu = services.supplier_register(
            actor=admin, node=branch, name="五角场康护家政服务有限公司", credit_code=compose(CODES["kanghu"]),
            contact_name="金海生", contact_phone=SUPPLIER_LOGIN, address="上海市杨浦区政立路 485 号",
            areas=[branch], licences=[("营业执照", "310110000123456", in_a_year), ("家政服务许可", "JZ-2026-0418", in_a_year)],
            offers=[(types["haircut"], 3000, True), (types["cleaning"], 8000, True), (types["pedicure"], 4000, False)])
        services.supplier_transition(actor=admin, supplier=kanghu, to="reviewing")
        services.supplier_admit(actor=admin, supplier=kanghu, reason="资料齐全，试点期满")
        services.supplier_member_add(actor=admin, supplier=kanghu, person=people[SUPPLIER_LOGIN])
        # The demo supplier login is the company's own admin: it registers and removes the company's staff.
        services.supplier_admin_set(actor=admin, supplier=kanghu, person=people[SUPPLIER_LOGIN], is_admin=True)
        peizhen = services.supplier_register(
            actor=admin, node=bank, name="杨浦安心陪诊服务中心", credit_code=compose(CODES["peizhen"]),
            contact_name="陶主任", contact_phone="021-65430000", areas=[bank],
            licences=[("民办非企业单位登记证书", "MF-310110-077", in_a_year)],
            offers=[(types["medical_escort"], 12000, True)])
        services.supplier_admit(actor=admin, supplier=peizhen)
        services.supplier_register(
            actor=None, node=branch, name="申城助浴护理有限公司", credit_code=compose(CODES["zhuyu"]),
            contact_name="范女士", contact_phone="13916660000", licences=[("营业执照", "310110000778899", in_a_year)],
            application_note="上门助浴、修脚；五角场街道、新江湾城街道；每次 150 元起")

        services.order_book(actor=staff, supplier=kanghu, service_type=types["haircut"], elder=elder,
                            starts_at=_at(2, 9), payment="coins", notes="上门理发，老人行动不便")
        cared_for = elders_acted_for(proxy).select_related("node").first()
        cleaning = services.order_book(actor=proxy, supplier=kanghu, service_type=types["cleaning"], elder=cared_for,
                                       starts_at=_at(3, 14), payment="subsidy", notes="厨房和卫生间")
        services.order_accept(actor=people[SUPPLIER_LOGIN], order=cleaning)
        # The request handed to suppliers is another elder's (the featured elder's request list stays
        # hers alone), paid with coins a branch admin grants through the ledger.
        proxied = ProxyLink.objects.values_list("elder_id", flat=True)
        neighbour = (Person.objects.filter(is_elder=True, node=station).exclude(pk=elder.pk).exclude(pk__in=proxied)
                     .order_by("pk").first())
        branch_admin = Person.objects.get(mobile=branch_admin_mobile(_branch_index("wujiaochang")))
        grant_make(actor=branch_admin, elder=neighbour, amount=120, source="issuance", reason="保底服务体验")
        starts_at = _soon_enough_to_offer()
        request = demands.demand_create(actor=staff, station=station, service_type=types["haircut"],
                                        starts_at=starts_at, ends_at=starts_at + dt.timedelta(minutes=30),
                                        elder=neighbour, payer="elder", notes="志愿者暂未接单")
        demands.demand_publish(actor=staff, demand=request)
        services.guarantee_offers_make()
        services.commendation_add(actor=admin, supplier=kanghu, note="春节期间坚持上门服务，居民来信表扬")
        complaints.complaint_file(actor=staff, complainant=elder, subject="supplier", supplier=kanghu,
                                  category="late", text="约定 9 点上门，10 点半才到，也没有提前打电话。")
        services.meeting_record(actor=admin, node=bank, held_on=timezone.localdate() - dt.timedelta(days=14),
                                title="2026 年第一季度供应商联席交流会", attendees="区时间银行、康护家政、安心陪诊",
                                minutes="通报一季度评分；讨论保底服务结算流程。", suppliers=[kanghu, peizhen],
                                decisions=[("月底前完成三月保底结算", "区时间银行", None)])
    return True
