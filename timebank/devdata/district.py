"""The demo district (杨浦区, its 12 streets and their stations, staff for every role, elders,
volunteers and proxies), built through the services; `seed_demo` and `demo_logins` use it."""
import datetime as dt
import random

from django.contrib.auth.hashers import make_password
from django.db import transaction

from timebank.devdata.suppliers import seed_demo_suppliers
from timebank.lib import field_crypto, resident_id
from timebank.lib.masking import mask_id_number
from timebank.lib.pinyin import initials
from timebank.orgs.models import Node, NodeKind
from timebank.orgs.roles import Role
from timebank.orgs.services import node_create, role_grant
from timebank.people.models import Person, ProxyRelation, VolunteerStatus
from timebank.people.services import person_register, proxy_confirm, proxy_link, volunteer_decide

DEMO_PASSWORD = "Demo#2026"
PLATFORM_CODE = "shanghai"
BANK_CODE = "yangpu"
REGION_CODE = "310110"  # 上海市杨浦区
# Ages are counted from a fixed day, so every run builds exactly the same people.
REFERENCE_DAY = dt.date(2026, 1, 1)
SEED = 2026

# (name, code, English name, [(station, road, latitude, longitude), ...])
BRANCHES = [
    ("定海路街道", "dinghailu", "Dinghai Road", [
        ("定海路社区", "定海路", 31.2712, 121.5531), ("隆昌路社区", "隆昌路", 31.2735, 121.5462),
        ("杨树浦港社区", "杨树浦路", 31.2701, 121.5578)]),
    ("平凉路街道", "pinglianglu", "Pingliang Road", [
        ("平凉路社区", "平凉路", 31.2705, 121.5318), ("河间路社区", "河间路", 31.2724, 121.5376)]),
    ("江浦路街道", "jiangpulu", "Jiangpu Road", [
        ("江浦路社区", "江浦路", 31.2738, 121.5236), ("辽源西路社区", "辽源西路", 31.2781, 121.5201),
        ("兰州路社区", "兰州路", 31.2752, 121.5267)]),
    ("四平路街道", "sipinglu", "Siping Road", [
        ("鞍山新村社区", "鞍山路", 31.2806, 121.5132), ("同济新村社区", "赤峰路", 31.2847, 121.5048),
        ("抚顺路社区", "抚顺路", 31.2833, 121.5171)]),
    ("控江路街道", "kongjianglu", "Kongjiang Road", [
        ("控江二村社区", "控江路", 31.2832, 121.5307), ("凤城新村社区", "凤城路", 31.2791, 121.5342),
        ("双阳路社区", "双阳路", 31.2865, 121.5389)]),
    ("长白新村街道", "changbaixincun", "Changbai Xincun", [
        ("长白一村社区", "长白路", 31.2921, 121.5452), ("长白二村社区", "靖宇东路", 31.2958, 121.5421),
        ("安图新村社区", "安图路", 31.2940, 121.5498)]),
    ("延吉新村街道", "yanjixincun", "Yanji Xincun", [
        ("延吉一村社区", "延吉中路", 31.2876, 121.5339), ("延吉四村社区", "延吉东路", 31.2898, 121.5401),
        ("内江路社区", "内江路", 31.2862, 121.5436)]),
    ("殷行街道", "yinhang", "Yinhang", [
        ("市光一村社区", "市光路", 31.3142, 121.5296), ("开鲁新村社区", "开鲁路", 31.3178, 121.5384),
        ("民星路社区", "民星路", 31.3106, 121.5341)]),
    ("大桥街道", "daqiao", "Daqiao", [
        ("惠民路社区", "惠民路", 31.2718, 121.5279), ("眉州路社区", "眉州路", 31.2767, 121.5308),
        ("长阳路社区", "长阳路", 31.2746, 121.5352)]),
    ("五角场街道", "wujiaochang", "Wujiaochang", [
        ("政立路社区", "政立路", 31.3013, 121.5138), ("国权路社区", "国权路", 31.2968, 121.5092),
        ("政通路社区", "政通路", 31.3041, 121.5187)]),
    ("新江湾城街道", "xinjiangwancheng", "Xinjiangwan Cheng", [
        ("新江湾城社区", "淞沪路", 31.3188, 121.5063), ("国浩路社区", "国浩路", 31.3165, 121.5021)]),
    ("长海路街道", "changhailu", "Changhai Road", [
        ("长海一村社区", "长海路", 31.3087, 121.5124), ("翔殷路社区", "翔殷路", 31.3052, 121.5216),
        ("国和路社区", "国和路", 31.3069, 121.5262)]),
]

# Staff other than branch admins and station staff: (mobile, name, sex, role, node code).
STAFF = [
    ("13900000009", "沈一鸣", "M", Role.PLATFORM_ADMIN, PLATFORM_CODE),
    ("13900000001", "周建国", "M", Role.BANK_ADMIN, BANK_CODE),
    ("13900000002", "陆雅琴", "F", Role.AUDITOR, BANK_CODE),
    ("13900000003", "顾晓燕", "F", Role.MEDICAL_STAFF, "wujiaochang"),
    ("13900000004", "金海生", "M", Role.SUPPLIER, "wujiaochang"),
    ("13900000005", "钱志伟", "M", Role.TEAM_LEADER, "wujiaochang-1"),
]
FEATURED_VOLUNTEER = ("13900003001", "李思雨", "F", "wujiaochang-1")
FEATURED_ELDER = ("13900005001", "王秀英", "F", "wujiaochang-1")  # an elder who has a phone
FEATURED_PROXY = ("13900004001", "张丽娟", "F", "wujiaochang-1")


def branch_admin_mobile(branch_index: int) -> str:
    return f"139000010{branch_index + 1:02d}"


def station_staff_mobile(station_index: int) -> str:
    return f"139000020{station_index + 1:02d}"


def _branch_index(code: str) -> int:
    return next(i for i, b in enumerate(BRANCHES) if b[1] == code)


def _station_index(branch_code: str, number: int) -> int:
    """The running index of a branch's n-th (1-based) station over the whole district."""
    before = sum(len(b[3]) for b in BRANCHES[:_branch_index(branch_code)])
    return before + number - 1


# One row per role, as the README and `make run` show them.
DEMO_LOGINS = [
    ("platform admin", "13900000009"),
    ("bank admin", "13900000001"),
    ("auditor", "13900000002"),
    ("branch admin (五角场街道)", branch_admin_mobile(_branch_index("wujiaochang"))),
    ("branch admin (长白新村街道)", branch_admin_mobile(_branch_index("changbaixincun"))),
    ("station staff (五角场街道 · 政立路社区)", station_staff_mobile(_station_index("wujiaochang", 1))),
    ("station staff (长白新村街道 · 长白一村社区)", station_staff_mobile(_station_index("changbaixincun", 1))),
    ("medical staff", "13900000003"),
    ("supplier", "13900000004"),
    ("team leader", "13900000005"),
    ("volunteer", FEATURED_VOLUNTEER[0]),
    ("elder (has a mobile)", FEATURED_ELDER[0]),
    ("proxy", FEATURED_PROXY[0]),
]


def demo_logins_table() -> str:
    lines = ["| role | username | password |", "|---|---|---|"]
    lines += [f"| {role} | {mobile} | `{DEMO_PASSWORD}` |" for role, mobile in DEMO_LOGINS]
    return "\n".join(lines)


SURNAMES = list("王李张刘陈杨黄赵吴周徐孙朱胡郭何高林罗郑梁谢宋唐许韩冯曹彭沈陆顾钱蔡金姚蒋汪范戴严孔毛邵俞")
ELDER_GIVEN = {
    "F": ["秀英", "桂英", "桂兰", "凤英", "玉兰", "秀珍", "美华", "丽华", "淑芬", "雅琴", "月娥", "彩凤", "根娣",
          "惠芬", "金娣", "玉珍", "素珍", "佩芳", "翠英", "菊芳"],
    "M": ["建国", "国强", "德明", "根生", "福根", "金宝", "海生", "永康", "国华", "荣生", "明德", "家宝", "伟民",
          "仁杰", "文彬", "振华", "耀祖", "宝林", "阿大", "鸿福"],
}
YOUNG_GIVEN = {
    "F": ["晓燕", "丽娟", "静", "婷婷", "佳怡", "思雨", "雪梅", "欣怡", "梦洁", "雨涵", "慧敏", "嘉怡", "诗琪",
          "颖", "晨曦", "文静", "琳", "春燕"],
    "M": ["浩然", "子轩", "宇航", "俊杰", "志伟", "晓东", "宇", "鹏", "磊", "一鸣", "天佑", "思远", "嘉豪",
          "晨阳", "文博", "立新", "振宇", "海涛"],
}
ELDERS = 50
ELDERS_WITH_MOBILE = 6
VOLUNTEERS = 50
VOLUNTEERS_PENDING = 5
PROXIES = 8


class DemoDistrict:
    """Builds the district once; every choice comes from one seeded random generator."""

    def __init__(self):
        self.rng = random.Random(SEED)
        self.names: set[str] = set()
        self.id_numbers: set[str] = set()
        self.serial = 0
        self.nodes: dict[str, Node] = {}
        self.station_staff: dict[str, Person] = {}
        self.roads: dict[str, str] = {}

    # --- choices -------------------------------------------------------------------------
    def name(self, sex: str, *, elder: bool) -> str:
        given = (ELDER_GIVEN if elder else YOUNG_GIVEN)[sex]
        for _attempt in range(200):
            candidate = self.rng.choice(SURNAMES) + self.rng.choice(given)
            if candidate not in self.names:
                self.names.add(candidate)
                return candidate
        raise RuntimeError("ran out of demo names")

    def birth(self, age_from: int, age_to: int) -> dt.date:
        age = self.rng.randint(age_from, age_to)
        return dt.date(REFERENCE_DAY.year - age - 1, 1, 2) + dt.timedelta(days=self.rng.randint(0, 363))

    def id_number(self, birth: dt.date, sex: str) -> str:
        while True:
            self.serial += 1
            number = resident_id.compose(REGION_CODE, birth, self.serial, sex)
            if number not in self.id_numbers:
                self.id_numbers.add(number)
                return number

    def address(self, station_code: str) -> str:
        road = self.roads[station_code]
        lane, house, floor, flat = (self.rng.randint(1, 900), self.rng.randint(1, 60), self.rng.randint(1, 6),
                                    self.rng.randint(1, 4))
        return f"上海市杨浦区{road}{lane}弄{house}号{floor}0{flat}室"

    def station_codes(self) -> list[str]:
        return [code for code, node in self.nodes.items() if node.kind == NodeKind.STATION]

    # --- building ------------------------------------------------------------------------
    def build(self) -> None:
        with transaction.atomic():
            self.build_tree()
            admin = self.bootstrap_platform_admin()
            self.build_staff(admin)
            self.build_members()
            self.build_team()
            self.build_ledger()
            seed_demo_suppliers()
            # One argon2 hash shared by every demo login keeps seeding fast; each is still a real hash.
            Person.objects.filter(mobile__startswith="1390000").update(password=make_password(DEMO_PASSWORD))

    def build_tree(self) -> None:
        platform = Node.objects.filter(kind=NodeKind.PLATFORM, code=PLATFORM_CODE).first()
        if platform is None:
            platform = node_create(actor=None, parent=None, kind=NodeKind.PLATFORM, name="上海市", name_en="Shanghai",
                                   code=PLATFORM_CODE, latitude=31.2304, longitude=121.4737)
        self.nodes[PLATFORM_CODE] = platform
        bank = node_create(actor=None, parent=platform, kind=NodeKind.BANK, name="杨浦区", name_en="Yangpu District",
                           code=BANK_CODE, address="上海市杨浦区江浦路1000号", latitude=31.2596, longitude=121.5260)
        self.nodes[BANK_CODE] = bank
        for name, code, name_en, stations in BRANCHES:
            lat = sum(s[2] for s in stations) / len(stations)
            lng = sum(s[3] for s in stations) / len(stations)
            branch = node_create(actor=None, parent=bank, kind=NodeKind.BRANCH, name=name,
                                 name_en=f"{name_en} Subdistrict", code=code, latitude=round(lat, 4),
                                 longitude=round(lng, 4), phone=f"021-655{len(self.nodes):02d}000",
                                 opening_hours="周一至周五 8:30–17:00")
            self.nodes[code] = branch
            for number, (station_name, road, lat, lng) in enumerate(stations, start=1):
                station_code = f"{code}-{number}"
                self.roads[station_code] = road
                self.nodes[station_code] = node_create(
                    actor=None, parent=branch, kind=NodeKind.STATION, name=station_name, code=station_code,
                    address=f"上海市杨浦区{road}{self.rng.randint(10, 999)}号", latitude=lat, longitude=lng,
                    phone=f"021-654{len(self.nodes):02d}{number:03d}", opening_hours="周一至周六 8:30–11:30，13:30–17:00")

    def bootstrap_platform_admin(self) -> Person:
        """The first account cannot be registered by anyone: it is made directly, then granted."""
        mobile, name, sex, role, node_code = STAFF[0]
        birth = self.birth(35, 50)
        number = self.id_number(birth, sex)
        station = self.nodes["wujiaochang-1"]
        self.names.add(name)
        person = Person.objects.create_user(
            mobile, None, name=name, name_initials=initials(name), gender=sex, birth_date=birth,
            id_number_encrypted=field_crypto.encrypt(number), id_number_hash=field_crypto.lookup_hash(number),
            id_tail=number[-4:], id_masked=mask_id_number(number), bank=station.bank, node=station,
            address=self.address("wujiaochang-1"),
        )
        role_grant(actor=None, person=person, role=role, node=self.nodes[node_code])
        return person

    def register(self, actor, station_code: str, *, name: str, sex: str, birth: dt.date, mobile: str = "",
                 **flags) -> Person:
        return person_register(
            actor=actor, station=self.nodes[station_code], name=name, id_number=self.id_number(birth, sex),
            mobile=mobile, gender=sex, birth_date=birth, address=self.address(station_code), consent=True, **flags)

    def staff_member(self, actor, mobile: str, name: str, sex: str, role: str, node_code: str) -> Person:
        node = self.nodes[node_code]
        home = node_code if node.kind == NodeKind.STATION else next(
            code for code in self.station_codes() if self.nodes[code].path.startswith(node.path))
        self.names.add(name)
        # A team leader is a volunteer who leads a team of volunteers (build_team), not an office worker.
        person = self.register(actor, home, name=name, sex=sex, birth=self.birth(28, 55), mobile=mobile,
                               is_volunteer=role == Role.TEAM_LEADER)
        role_grant(actor=actor, person=person, role=role, node=node)
        return person

    def build_staff(self, platform_admin: Person) -> None:
        bank_admin = None
        for mobile, name, sex, role, node_code in STAFF[1:]:
            person = self.staff_member(bank_admin or platform_admin, mobile, name, sex, role, node_code)
            if role == Role.BANK_ADMIN:
                bank_admin = person
        station_index = 0
        for branch_index, (_name, code, _en, stations) in enumerate(BRANCHES):
            sex = self.rng.choice("MF")
            branch_admin = self.staff_member(bank_admin, branch_admin_mobile(branch_index), self.name(sex, elder=False),
                                             sex, Role.BRANCH_ADMIN, code)
            for number in range(1, len(stations) + 1):
                sex = self.rng.choice("MF")
                station_code = f"{code}-{number}"
                self.station_staff[station_code] = self.staff_member(
                    branch_admin, station_staff_mobile(station_index), self.name(sex, elder=False), sex,
                    Role.STATION_STAFF, station_code)
                station_index += 1

    def build_team(self) -> None:
        """The demo team leader leads a real team of his street's volunteers: approved by his station like any
        volunteer, the team set up by the branch admin, the members' requests to join decided by him."""
        from timebank.teams.services import membership_decide, team_create, team_join

        mobile, _name, _sex, _role, station_code = next(s for s in STAFF if s[3] == Role.TEAM_LEADER)
        leader = Person.objects.get(mobile=mobile)
        if leader.volunteer_status == VolunteerStatus.PENDING:
            leader = volunteer_decide(actor=self.station_staff[station_code], person=leader, approve=True)
        branch = self.nodes[station_code].parent
        admin = Person.objects.get(mobile=branch_admin_mobile(_branch_index(branch.code)))
        team = team_create(actor=admin, node=branch, name=f"{self.nodes[station_code].name}时光伙伴服务队",
                           leader=leader, description="每周探访独居老人，陪同就医，上门理发。")
        street = list(Person.objects.filter(pk__in=[v.pk for v in self.volunteers], node__path__startswith=branch.path,
                                            volunteer_status=VolunteerStatus.APPROVED)
                      .exclude(mobile=FEATURED_VOLUNTEER[0]).order_by("pk"))
        for volunteer in street[:5]:
            team_join(actor=volunteer, team=team)
            membership_decide(actor=leader, team=team, person=volunteer, approve=True)

    def build_ledger(self) -> None:
        """Some history so passbooks are not empty: services credited to volunteers (from their
        branch's issuance), a donation, and a grant to the featured elder."""
        from timebank.ledger.services import branch_of, donation_make, grant_make, service_credit

        for volunteer in self.volunteers[:30]:
            for _ in range(self.rng.randint(1, 4)):
                minutes = self.rng.choice([60, 90, 120])
                service_credit(volunteer=volunteer, minutes=minutes, points=minutes // 6, branch=branch_of(volunteer.node))
        featured = self.volunteers[0]
        donation_make(actor=featured, donor=featured, amount=30, memo="支持独居老人")
        elder = self.elders[0]
        branch_admin = Person.objects.get(mobile=branch_admin_mobile(_branch_index(elder.node.parent.code)))
        grant_make(actor=branch_admin, elder=elder, amount=600, source="issuance", reason="高龄独居老人补助")

    def build_members(self) -> None:
        self.volunteers: list[Person] = []
        stations = self.station_codes()
        elders = []
        mobile, name, sex, station = FEATURED_ELDER
        self.names.add(name)
        elders.append(self.register(self.station_staff[station], station, name=name, sex=sex,
                                    birth=self.birth(70, 80), mobile=mobile, is_elder=True))
        for i in range(1, ELDERS):
            sex = self.rng.choice("FFM")  # most elders who ask for help are women
            station = "wujiaochang-1" if i < 4 else self.rng.choice(stations)
            mobile = f"139000050{i:02d}" if 4 <= i < 3 + ELDERS_WITH_MOBILE else ""
            elders.append(self.register(
                self.station_staff[station], station, name=self.name(sex, elder=True), sex=sex,
                birth=self.birth(60, 94), mobile=mobile, is_elder=True,
                emergency_contact_name=self.name(self.rng.choice("MF"), elder=False),
                emergency_contact_phone=f"139000090{i + 1:02d}"))

        for i in range(VOLUNTEERS):
            if i == 0:
                mobile, name, sex, station = FEATURED_VOLUNTEER
                self.names.add(name)
                birth = self.birth(30, 40)
            else:
                sex = self.rng.choice("MF")
                elderly = self.rng.random() < 0.4  # younger retirees are the backbone of the bank
                name = self.name(sex, elder=elderly)
                station = self.rng.choice(stations)
                mobile = f"139000030{i + 1:02d}"
                birth = self.birth(60, 70) if elderly else self.birth(18, 59)
            volunteer = person_register(
                actor=None, station=self.nodes[station], name=name, id_number=self.id_number(birth, sex),
                mobile=mobile, address=self.address(station), consent=True, is_volunteer=True, self_signup=True)
            if i < VOLUNTEERS - VOLUNTEERS_PENDING:
                volunteer_decide(actor=self.station_staff[station], person=volunteer, approve=True)
                self.volunteers.append(volunteer)
        self.elders = elders

        relations = [ProxyRelation.CHILD, ProxyRelation.CHILD, ProxyRelation.RELATIVE, ProxyRelation.CHILD,
                     ProxyRelation.NEIGHBOUR, ProxyRelation.CHILD, ProxyRelation.SOCIAL_WORKER,
                     ProxyRelation.SOCIAL_WORKER]
        without_phone = [e for e in elders if not e.mobile]
        for i in range(PROXIES):
            if i == 0:
                mobile, name, sex, _station = FEATURED_PROXY
                self.names.add(name)
                elder_group = [e for e in without_phone if e.node.code == "wujiaochang-1"][:2]
            else:
                sex = self.rng.choice("MF")
                name = self.name(sex, elder=False)
                mobile = f"139000040{i + 1:02d}"
                count = 3 if relations[i] == ProxyRelation.SOCIAL_WORKER else 1
                elder_group = self.rng.sample(without_phone[4:], count)
            home = elder_group[0].node.code
            staff = self.station_staff[home]
            proxy = self.register(staff, home, name=name, sex=sex, birth=self.birth(30, 58), mobile=mobile)
            for elder in elder_group:
                # Asked for by the station, confirmed by the branch admin (the elders have no phone).
                link = proxy_link(actor=self.station_staff[elder.node.code], elder=elder, proxy=proxy,
                                  relation=relations[i])
                branch_admin = Person.objects.get(mobile=branch_admin_mobile(_branch_index(elder.node.parent.code)))
                proxy_confirm(actor=branch_admin, link=link)


def is_seeded() -> bool:
    return Node.objects.filter(kind=NodeKind.BANK, code=BANK_CODE).exists()


def seed_demo_district() -> bool:
    """Build the demo district unless it is there already; True when it was built now."""
    if is_seeded():
        seed_demo_suppliers()  # a district seeded before the suppliers existed gets them now
        return False
    DemoDistrict().build()
    return True
