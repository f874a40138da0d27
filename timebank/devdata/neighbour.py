"""A second district on the demo platform (虹口区), so the city's clearing has something to show: a
station with two members, a 杨浦 volunteer who moved to 虹口 with her coins (搬迁, through the
clearing accounts), and yesterday's netting run. Built through the services; idempotent (skipped once the bank exists)."""
import datetime as dt

from django.db import transaction
from django.utils import timezone

from timebank.lib import resident_id
from timebank.orgs.models import Node, NodeKind
from timebank.orgs.services import node_create
from timebank.people.models import Person
from timebank.people.services import person_register

from .district import FEATURED_VOLUNTEER, PLATFORM_CODE

NEIGHBOUR_CODE = "hongkou"
REGION = "310109"  # 虹口区


def seed_neighbour_bank() -> bool:
    """True when the second district was built now."""
    from timebank.clearing.services import member_move, netting_run
    from timebank.ledger.models import Account, AccountKind, Currency
    from timebank.orgs.models import RoleGrant

    platform = Node.objects.filter(kind=NodeKind.PLATFORM, code=PLATFORM_CODE).first()
    admin = Person.objects.filter(mobile="13900000009").first()
    if platform is None or admin is None or Node.objects.filter(code=NEIGHBOUR_CODE).exists():
        return False
    # A volunteer with coins and no staff role, not one of the demo logins, moves to 虹口.
    staff = RoleGrant.objects.values("person_id")
    mover = (Account.objects.filter(kind=AccountKind.MEMBER, currency=Currency.TIME, posted_credits__gt=0,
                                    pending_debits=0, owner__is_volunteer=True, owner__bank__parent=platform)
             .exclude(owner__mobile=FEATURED_VOLUNTEER[0]).exclude(owner_id__in=staff)
             .order_by("owner_id").values_list("owner_id", flat=True).first())
    with transaction.atomic():
        bank = node_create(actor=None, parent=platform, kind=NodeKind.BANK, name="虹口区", name_en="Hongkou District",
                           code=NEIGHBOUR_CODE, address="上海市虹口区飞虹路518号", latitude=31.2646,
                           longitude=121.5052)
        branch = node_create(actor=None, parent=bank, kind=NodeKind.BRANCH, name="四川北路街道", code="scbl",
                             phone="021-56960000", opening_hours="周一至周五 8:30–17:00")
        station = node_create(actor=None, parent=branch, kind=NodeKind.STATION, name="多伦路社区", code="scbl-1",
                              address="上海市虹口区多伦路200号", latitude=31.2680, longitude=121.4870,
                              phone="021-56961001", opening_hours="周一至周六 8:30–11:30，13:30–17:00")
        person_register(actor=admin, station=station, name="赵桂芳", gender="F",
                                 id_number=resident_id.compose(REGION, dt.date(1944, 6, 1), 21, "F"),
                                 birth_date=dt.date(1944, 6, 1), mobile="", address="上海市虹口区多伦路66弄3号",
                                 consent=True, is_elder=True)
        person_register(actor=admin, station=station, name="钱立新", gender="M",
                        id_number=resident_id.compose(REGION, dt.date(1966, 3, 3), 33, "M"),
                        birth_date=dt.date(1966, 3, 3), mobile="13900006001", address="上海市虹口区甜爱路18号",
                        consent=True, is_volunteer=True)
        if mover is not None:
            member_move(actor=admin, person=Person.objects.get(pk=mover), station=station, reason="随子女搬到虹口居住")
        netting_run(actor=admin, platform=platform, business_day=timezone.localdate() - dt.timedelta(days=1))
    return True
