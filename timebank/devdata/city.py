"""A synthetic city for benchmarks (`manage.py generate_city`): a bank with its branches and
stations, elders and volunteers, teams, demands with their served assignments, and a ledger
whose account totals and hash chain match its transfers — bulk-loaded into the real tables
(COPY on PostgreSQL), deterministic for a given seed.

What is written directly, and why it still holds together: the tree and the staff role grants
go through the services (`node_create`, `role_grant`); the bulk rows are built by the same
rules the services apply (valid GB 11643 IDs encrypted with a keyed lookup hash, one time
account per member, a points account per volunteer, a credit per served assignment keyed
`assignment:<id>:time` / `:points`, elder-paid services held then settled, gifts only to
relatives, no member ever below zero at any point of the timeline) and the ledger's database
rules stay on while loading: transfers are only inserted, account totals are set once at the
end by an UPDATE that only grows them, and the seals are computed with `ledger.chain` itself, so
`manage.py verify_ledger` checks the result like any other ledger. Not generated: audit rows,
notices, training, health data.

One module on purpose (over 500 lines): it is one pipeline whose steps share the seeded random
generator and the id maps of the rows before them; cut in pieces, every piece would need them all."""
import datetime as dt
import hashlib
import json
import random
import time
import zlib
from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import accumulate

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from timebank.demands.models import Assignment, Demand, ServiceType
from timebank.ledger import chain
from timebank.ledger import mac as ledger_mac
from timebank.ledger.models import Account, AccountKind, ChainHead, Currency, Seal, Transfer, TransferKind
from timebank.lib import field_crypto, partitions, resident_id
from timebank.lib.masking import mask_id_number
from timebank.lib.pinyin import initials
from timebank.orgs.models import NodeKind
from timebank.orgs.roles import Role
from timebank.orgs.services import node_create, role_grant
from timebank.people.models import Person, ProxyLink
from timebank.people.services import CONSENT_VERSION
from timebank.teams.models import Membership, Team

BRANCHES = 15
STATIONS_PER_BRANCH = 10
# Streets differ in size: the first holds 11% of the members (110,000 of a million), the last 4%.
BRANCH_WEIGHTS = [11, 9, 8, 8, 7, 7, 7, 6, 6, 6, 6, 5, 5, 5, 4]
ELDER_SHARE = 0.73  # the seeds' district: 11,709 demanders to 4,347 providers
GROUP_SHARE = 0.06  # share of demands that are group activities
ELDER_PAID_SHARE = 0.08  # one-to-one services the elder pays from their own coins, when they can
HISTORY_DAYS = 365
FUTURE_SHARE = 0.03  # demands still open, in the coming month
STAFF_PASSWORD = "City#2026"
REGIONS = ["310101", "310104", "310105", "310106", "310107", "310109", "310110", "310112", "310113", "310114",
           "310115", "310116", "310117", "310118", "310120", "310151"]
ROADS = ["长阳路", "平凉路", "控江路", "延吉中路", "国权路", "政立路", "四平路", "黄兴路", "大连路", "隆昌路",
         "殷行路", "国和路", "翔殷路", "民星路", "开鲁路", "市光路", "松花江路", "包头路", "靖宇路", "安波路"]
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙朱胡郭何高林罗郑梁谢宋唐许韩冯曹彭沈陆顾钱蔡金姚蒋汪范戴严孔毛邵俞")
GIVEN_OLD = ["秀英", "桂英", "桂兰", "凤英", "玉兰", "秀珍", "美华", "丽华", "淑芬", "雅琴", "建国", "国强", "德明",
             "根生", "福根", "金宝", "海生", "永康", "国华", "荣生"]
GIVEN_YOUNG = ["晓燕", "丽娟", "静", "婷婷", "佳怡", "思雨", "雪梅", "欣怡", "浩然", "子轩", "宇航", "俊杰", "志伟",
               "晓东", "宇", "鹏", "磊", "一鸣", "天佑", "思远"]
MISC_KINDS = [("grant", 30), ("points_spend", 25), ("gift", 20), ("donation", 15), ("pool_grant", 10)]
EPOCH = chain.EPOCH
# Plain strings, not the TextChoices members: COPY would write an enum's name, not its value.
TIME, POINTS = Currency.TIME.value, Currency.POINTS.value
MEMBER, ISSUANCE, POOL, ESCROW, REWARDS = (AccountKind.MEMBER.value, AccountKind.ISSUANCE.value,
                                          AccountKind.POOL.value, AccountKind.ESCROW.value, AccountKind.REWARDS.value)
SERVICE_CREDIT, GIFT, DONATION, GRANT = (TransferKind.SERVICE_CREDIT.value, TransferKind.GIFT.value,
                                         TransferKind.DONATION.value, TransferKind.GRANT.value)
REDEMPTION, POINTS_EARN, POINTS_SPEND = (TransferKind.REDEMPTION.value, TransferKind.POINTS_EARN.value,
                                         TransferKind.POINTS_SPEND.value)
US = 1_000_000


@dataclass
class Timings:
    rows: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)

    def add(self, table: str, rows: int, seconds: float) -> None:
        self.rows[table] = self.rows.get(table, 0) + rows
        self.seconds[table] = self.seconds.get(table, 0.0) + seconds


class RowWriter:
    """Appends rows to one table: COPY on PostgreSQL, multi-row INSERTs elsewhere. Columns the
    generator does not fill get the model field's default, so a column added later still loads."""

    def __init__(self, model, columns: list[str], timings: Timings):
        self.model, self.table, self.timings = model, model._meta.db_table, timings
        fields = {f.attname: f for f in model._meta.concrete_fields}
        self.fields = [fields[c] for c in columns]
        extra = [f for f in model._meta.concrete_fields if f.attname not in columns and f.attname != "id"]
        self.tail = tuple(self._default(f) for f in extra)
        self.columns = [f.column for f in self.fields] + [f.column for f in extra]
        self.is_pg = connection.vendor == "postgresql"

    @staticmethod
    def _default(f):
        value = f.get_default() if f.has_default() else None
        if isinstance(value, list | dict):
            return json.dumps(value)
        if value is None and not f.null:
            return "" if f.get_internal_type() in ("CharField", "TextField", "SlugField", "FileField") else value
        return value

    def write(self, rows: list[tuple]) -> None:
        if not rows:
            return
        started = time.perf_counter()
        tail = self.tail
        with connection.cursor() as cursor:
            if self.is_pg:
                with cursor.cursor.copy(f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row + tail)
            else:
                prep = [self._sqlite_value for _ in self.columns]
                sql = (f"INSERT INTO {self.table} ({', '.join(self.columns)}) "
                       f"VALUES ({', '.join(['%s'] * len(self.columns))})")
                cursor.executemany(sql, [[p(v) for p, v in zip(prep, row + tail, strict=True)] for row in rows])
        self.timings.add(self.table, len(rows), time.perf_counter() - started)

    @staticmethod
    def _sqlite_value(value):
        if isinstance(value, dt.datetime):
            return connection.ops.adapt_datetimefield_value(value)
        if isinstance(value, dt.date):
            return value.isoformat()
        return value


def reserve_ids(model, count: int) -> int:
    """The first of `count` consecutive primary keys nobody else will be given."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT pg_get_serial_sequence('{table}', 'id')")
            sequence = cursor.fetchone()[0]
            cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute(f"SELECT GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}), "
                           f"(SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM {sequence}))")
            first = cursor.fetchone()[0] + 1
            if count:
                cursor.execute("SELECT setval(%s, %s, true)", [sequence, first + count - 1])
            return first
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        return cursor.fetchone()[0] + 1


def _at(us: int) -> dt.datetime:
    return EPOCH + dt.timedelta(microseconds=us)


def mobile_prefix(bank_code: str) -> str:
    """Generated mobiles are 1[5-9]NN + 7 digits, NN and the second digit from the bank code: two
    generated banks in one database rarely collide, and the demo's 139… numbers never do."""
    h = zlib.crc32(bank_code.encode())
    return f"1{5 + h % 5}{h // 5 % 100:02d}"


class CityGenerator:
    def __init__(self, *, members: int, demands: int, transfers: int, seed: int = 1, bank_code: str = "city",
                 until: dt.datetime | None = None, log=print, chunk: int = 50_000, rollups: bool = True):
        if not 20 <= members < 9_000_000:
            raise ValueError("between 20 and 9,000,000 members per bank")
        self.members, self.demands, self.transfers = members, demands, transfers
        self.seed, self.bank_code, self.log, self.chunk, self.rollups = seed, bank_code, log, chunk, rollups
        self.rng = random.Random(seed)
        # The timeline ends at the start of today (UTC) unless told: the same seed on the same day
        # gives the same rows.
        self.until = until or timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
        self.timings = Timings()
        self.created: dict[str, int] = {}
        cumulative = list(accumulate(BRANCH_WEIGHTS))
        self.branch_cumulative = [c / cumulative[-1] for c in cumulative]
        self.serials: dict[tuple, int] = {}

    def id_number(self, region: str, birth: dt.date, sex: str) -> str:
        """A valid GB 11643 number, unique in this city: the 顺序码 counts up per region, birth date
        and sex (odd for men)."""
        key = (region, birth, sex)
        serial = self.serials.get(key, 0)
        self.serials[key] = serial + 1
        first17 = f"{region}{birth:%Y%m%d}{(serial * 2 + (1 if sex == 'M' else 0)) % 1000:03d}"
        return first17 + resident_id.check_char(first17)

    def pick_station(self) -> int:
        """A station index: the branch by its weight, then a station of it at random."""
        b = min(bisect_right(self.branch_cumulative, self.rng.random()), BRANCHES - 1)
        return b * STATIONS_PER_BRANCH + self.rng.randrange(STATIONS_PER_BRANCH)

    # ---- the whole load ---------------------------------------------------------------------
    def run(self) -> dict:
        started = time.perf_counter()
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit = off")
                    # Foreign keys are checked at the end of each COPY rather than all at COMMIT, so the
                    # queue of pending checks stays small (tens of millions of rows otherwise).
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            self._step("tree", self.build_tree)
            self._step("people", self.build_people)
            self._step("staff", self.build_staff)
            self._step("teams", self.build_teams)
            self._step("accounts", self.build_accounts)
            self._step("demands and ledger", self.build_activity)
        if self.rollups and apps.is_installed("timebank.stats"):
            self._step("statistics rollups", self.build_rollups)
        if connection.vendor == "postgresql":
            self._step("vacuum analyze", self.analyze)
        self.created["seconds"] = round(time.perf_counter() - started, 1)
        return self.created

    def _step(self, name: str, fn) -> None:
        started = time.perf_counter()
        fn()
        self.log(f"  {name}: {time.perf_counter() - started:.1f} s")

    def build_rollups(self) -> None:
        """The statistics app keeps daily rollups on commit of each service; a bulk load writes raw
        rows only, so they are rebuilt from them once (what `stats_reconcile --rebuild` does)."""
        from timebank.stats.services import rollups_reconcile

        rollups_reconcile(bank=self.bank, rebuild=True)

    def analyze(self) -> None:
        """Fresh statistics, and a visibility map so counts can be answered from the indexes (VACUUM
        cannot run inside a transaction, e.g. in a test: then only ANALYZE)."""
        verb = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cursor:
            models = [Person, Account, Transfer, Seal, Demand, Assignment, ProxyLink, Membership]
            if apps.is_installed("timebank.stats"):
                models += list(apps.get_app_config("stats").get_models())
            for model in models:
                cursor.execute(f"{verb} {model._meta.db_table}")

    # ---- organisation -------------------------------------------------------------------------
    def build_tree(self) -> None:
        code = self.bank_code
        platform = node_create(actor=None, parent=None, kind=NodeKind.PLATFORM, name=f"合成城市（{code}）",
                               name_en=f"Synthetic city ({code})", code=f"{code}-platform")
        self.bank = node_create(actor=None, parent=platform, kind=NodeKind.BANK, name=f"合成区（{code}）",
                                name_en=f"Synthetic district ({code})", code=code, latitude=31.27, longitude=121.52)
        self.branches, self.stations = [], []
        for b in range(BRANCHES):
            branch = node_create(actor=None, parent=self.bank, kind=NodeKind.BRANCH, name=f"第{b + 1}街道",
                                 name_en=f"Street {b + 1}", code=f"{code}-b{b + 1}",
                                 latitude=round(31.25 + b * 0.004, 4), longitude=round(121.50 + b * 0.003, 4))
            self.branches.append(branch)
            for s in range(STATIONS_PER_BRANCH):
                self.stations.append(node_create(
                    actor=None, parent=branch, kind=NodeKind.STATION, name=f"第{b + 1}街道第{s + 1}社区",
                    name_en=f"Street {b + 1} community {s + 1}", code=f"{code}-b{b + 1}-s{s + 1}",
                    address=f"上海市{ROADS[(b + s) % len(ROADS)]}{(s + 1) * 10}号",
                    latitude=round(31.25 + b * 0.004 + s * 0.0004, 5),
                    longitude=round(121.50 + b * 0.003 + s * 0.0003, 5)))
        self.branch_index = {br.pk: i for i, br in enumerate(self.branches)}
        types = ServiceType.objects.filter(bank=self.bank, is_active=True, required_certificate="").order_by("code")
        self.one_types = [t for t in types if t.mode == "one_to_one"]
        self.group_types = [t for t in types if t.mode == "group"]
        self.created["nodes"] = 2 + len(self.branches) + len(self.stations)

    # ---- people -------------------------------------------------------------------------------
    def build_people(self) -> None:
        rng, n = self.rng, self.members
        first = reserve_ids(Person, n)
        self.person_first = first
        columns = ["id", "password", "mobile", "name", "name_initials", "gender", "birth_date", "id_number_encrypted",
                   "id_number_hash", "id_tail", "id_masked", "address", "bank_id", "node_id", "status", "consent_at",
                   "consent_version", "is_elder", "is_volunteer", "volunteer_status", "is_active", "created_at",
                   "updated_at", "is_superuser", "is_staff", "guardian_consent", "volunteer_since"]
        writer = RowWriter(Person, columns, self.timings)
        name_initials: dict[str, str] = {}
        prefix = mobile_prefix(self.bank_code)
        today = self.until.date()
        start_us = (self.until - dt.timedelta(days=3 * 365) - EPOCH) // dt.timedelta(microseconds=1)
        span_us = 3 * 365 * 86400 * US
        bank_id, encrypt, lookup = self.bank.pk, field_crypto.encrypt, field_crypto.lookup_hash
        self.elders, self.volunteers = [], []  # person ids
        self.person_station: list[int] = []  # station index per person (by id - first)
        self.volunteers_by_branch: list[list[int]] = [[] for _ in self.branches]
        self.elders_by_station: list[list[int]] = [[] for _ in self.stations]
        self.person_joined_us: list[int] = []
        rows = []
        for i in range(n):
            pid = first + i
            elder = rng.random() < ELDER_SHARE
            sex = "F" if rng.random() < (0.62 if elder else 0.55) else "M"
            age = rng.randint(60, 95) if elder else (rng.randint(55, 72) if rng.random() < 0.6 else rng.randint(18, 54))
            birth = dt.date(today.year - age - 1, 1, 1) + dt.timedelta(days=rng.randint(0, 364))
            number = self.id_number(REGIONS[rng.randrange(len(REGIONS))], birth, sex)
            name = SURNAMES[rng.randrange(len(SURNAMES))] + (GIVEN_OLD if age >= 55 else GIVEN_YOUNG)[rng.randrange(20)]
            letters = name_initials.get(name)
            if letters is None:
                letters = name_initials[name] = initials(name)
            station_i = self.pick_station()
            station = self.stations[station_i]
            joined_us = start_us + span_us * i // n + rng.randrange(0, 3600 * US)
            joined = _at(joined_us)
            mobile = f"{prefix}{i:07d}" if not elder or rng.random() < 0.1 else None
            address = f"上海市{ROADS[rng.randrange(len(ROADS))]}{rng.randint(1, 900)}弄{rng.randint(1, 60)}号"
            vstatus = "" if elder else ("pending" if rng.random() < 0.03 else "approved")
            rows.append((pid, "!" + format(rng.getrandbits(160), "040x"), mobile, name, letters, sex, birth,
                         encrypt(number), lookup(number), number[-4:], mask_id_number(number), address, bank_id,
                         station.pk, "active", joined, CONSENT_VERSION, elder, not elder, vstatus, True, joined,
                         joined, False, False, False, joined if vstatus == "approved" else None))
            self.person_station.append(station_i)
            self.person_joined_us.append(joined_us)
            if elder:
                self.elders.append(pid)
                self.elders_by_station[station_i].append(pid)
            elif vstatus == "approved":
                self.volunteers.append(pid)
                self.volunteers_by_branch[station_i // STATIONS_PER_BRANCH].append(pid)
            if len(rows) >= self.chunk:
                writer.write(rows)
                rows = []
        writer.write(rows)
        for b, vols in enumerate(self.volunteers_by_branch):  # a branch with no volunteer borrows a neighbour's
            if not vols:
                self.volunteers_by_branch[b] = self.volunteers[:1]
        if not self.volunteers or not self.elders:
            raise ValueError("too few members to have both elders and volunteers")
        self.created.update(members=n, elders=len(self.elders), volunteers=n - len(self.elders))

    def build_staff(self) -> None:
        """A bank admin, an admin per branch and staff per station, granted through `role_grant`."""
        password = make_password(STAFF_PASSWORD)
        prefix = mobile_prefix(self.bank_code)
        staff = []

        def person(number: int, station_i: int, name: str) -> Person:
            # Staff numbers sit above any member's (`{prefix}9…`), so they never collide.
            idn = self.id_number("310110", dt.date(1980, 1, 1) + dt.timedelta(days=number), "F")
            station = self.stations[station_i]
            return Person(mobile=f"{prefix}9{number:06d}", password=password, name=name, name_initials=initials(name),
                          gender="F", birth_date=dt.date(1980, 1, 1) + dt.timedelta(days=number),
                          id_number_encrypted=field_crypto.encrypt(idn), id_number_hash=field_crypto.lookup_hash(idn),
                          id_tail=idn[-4:], id_masked=mask_id_number(idn), bank=self.bank, node=station,
                          consent_at=timezone.now(), consent_version=CONSENT_VERSION)

        staff.append((person(0, 0, "区管理员"), Role.BANK_ADMIN, self.bank))
        for b, branch in enumerate(self.branches):
            staff.append((person(1 + b, b * STATIONS_PER_BRANCH, f"街道管理员{b + 1}"), Role.BRANCH_ADMIN, branch))
        for s, station in enumerate(self.stations):
            staff.append((person(100 + s, s, f"社区工作者{s + 1}"), Role.STATION_STAFF, station))
        Person.objects.bulk_create([p for p, _r, _n in staff], batch_size=1000)
        people = list(Person.objects.filter(bank=self.bank, mobile__startswith=f"{prefix}9").order_by("mobile"))
        by_mobile = {p.mobile: p for p in people}
        for p, role, node in staff:
            role_grant(actor=None, person=by_mobile[p.mobile], role=role, node=node)
        self.bank_admin = by_mobile[staff[0][0].mobile]
        self.station_staff = [by_mobile[p.mobile].pk for p, role, _n in staff if role == Role.STATION_STAFF]
        self.created["staff"] = len(staff)
        self.created["bank_admin_mobile"] = self.bank_admin.mobile

    def build_teams(self) -> None:
        """About one team per branch plus one for the district (the seeds' district has 16), and
        relatives: some volunteers are a registered child of an elder (gifts go only to them)."""
        rng, timings = self.rng, self.timings
        started = time.perf_counter()
        teams = []
        for b, branch in enumerate(self.branches + [self.bank]):
            vols = self.volunteers_by_branch[b] if b < len(self.branches) else self.volunteers
            teams.append(Team(bank=self.bank, node=branch, name=f"{branch.name}志愿服务队", leader_id=vols[0],
                              created_at=self.until - dt.timedelta(days=400)))
        Team.objects.bulk_create(teams)
        timings.add(Team._meta.db_table, len(teams), time.perf_counter() - started)
        members = RowWriter(Membership, ["team_id", "person_id", "status", "requested_at", "decided_at",
                                         "decided_by_id"], timings)
        rows = []
        for b, team in enumerate(teams):
            vols = self.volunteers_by_branch[b] if b < len(self.branches) else self.volunteers
            size = min(len(vols), max(1, len(vols) // 20), 500)
            for pid in rng.sample(vols, size):
                joined = _at(self.person_joined_us[pid - self.person_first]) + dt.timedelta(days=1)
                rows.append((team.pk, pid, "approved", joined, joined, team.leader_id))
        members.write(rows)
        links = RowWriter(ProxyLink, ["bank_id", "proxy_id", "elder_id", "relation", "created_at", "confirmed_at"],
                          timings)
        rows, self.relatives, taken = [], {}, set()
        for pid in self.volunteers[: len(self.volunteers) // 4]:
            elder = self.elders[rng.randrange(len(self.elders))]
            if elder in taken:
                continue
            taken.add(elder)
            self.relatives[pid] = elder
            linked = _at(self.person_joined_us[pid - self.person_first])
            rows.append((self.bank.pk, pid, elder, "child", linked, linked))
        links.write(rows)
        self.relative_list = list(self.relatives.items())
        self.created["teams"] = len(teams)
        self.created["team_members"] = Membership.objects.filter(team__bank=self.bank).count()
        self.created["relatives"] = len(self.relative_list)

    # ---- ledger accounts ------------------------------------------------------------------------
    def build_accounts(self) -> None:
        """Every elder a time account; every volunteer a time and a points account; per branch
        issuance (time, points), escrow and rewards; the bank's pool. Totals start at zero and are
        set once the transfers are in (they may only grow)."""
        bank_id = self.bank.pk
        specs = []  # (kind, currency, owner_id, node_id, allow_negative)
        for branch in self.branches:
            specs += [(ISSUANCE, TIME, None, branch.pk, True),
                      (ISSUANCE, POINTS, None, branch.pk, True),
                      (ESCROW, TIME, None, branch.pk, False),
                      (REWARDS, POINTS, None, branch.pk, False)]
        specs.append((POOL, TIME, None, bank_id, False))
        people = sorted(self.elders + self.volunteers)
        volunteer_set = set(self.volunteers)
        for pid in people:
            specs.append((MEMBER, TIME, pid, None, False))
            if pid in volunteer_set:
                specs.append((MEMBER, POINTS, pid, None, False))
        first = reserve_ids(Account, len(specs))
        self.time_account, self.points_account = {}, {}
        self.issuance_time, self.issuance_points, self.escrow, self.rewards = [], [], [], []
        rows = []
        created = self.until - dt.timedelta(days=3 * 365)
        for i, (kind, currency, owner, node, negative) in enumerate(specs):
            aid = first + i
            rows.append((aid, bank_id, kind, currency, owner, node, negative, 0, 0, 0, 0, created))
            if kind == MEMBER:
                (self.time_account if currency == TIME else self.points_account)[owner] = aid
            elif kind == ISSUANCE:
                (self.issuance_time if currency == TIME else self.issuance_points).append(aid)
            elif kind == ESCROW:
                self.escrow.append(aid)
            elif kind == REWARDS:
                self.rewards.append(aid)
            else:
                self.pool = aid
        self.account_first, self.account_count = first, len(specs)
        writer = RowWriter(Account, ["id", "bank_id", "kind", "currency", "owner_id", "node_id", "allow_negative",
                                     "posted_debits", "posted_credits", "pending_debits", "pending_credits",
                                     "created_at"], self.timings)
        for start in range(0, len(rows), self.chunk * 4):
            writer.write(rows[start:start + self.chunk * 4])
        self.debits = [0] * len(specs)
        self.credits = [0] * len(specs)
        self.created["accounts"] = len(specs)

    # ---- demands, services and the ledger --------------------------------------------------------
    def build_activity(self) -> None:
        rng = self.rng
        until_us = (self.until - EPOCH) // dt.timedelta(microseconds=1)
        start_us = until_us - HISTORY_DAYS * 86400 * US
        past = self.demands - int(self.demands * FUTURE_SHARE)
        # Transfers per past demand from its services (credits and points, group activities count many).
        expected_per_demand = 0.92 * (1 - GROUP_SHARE + GROUP_SHARE * 21) * 2.05
        if expected_per_demand * past * 1.5 > self.transfers:
            raise ValueError(f"{self.transfers} transfers are too few for {self.demands} demands: their services "
                             f"alone need about {int(expected_per_demand * past)}; ask for at least "
                             f"{int(expected_per_demand * past * 1.5)}")
        self.demand_first = reserve_ids(Demand, self.demands)
        # Upper bounds; unused ids are simply skipped.
        reserved = int(past * (1 + GROUP_SHARE * 45)) + 100
        self.assignment_next = reserve_ids(Assignment, reserved)
        self.assignment_end = self.assignment_next + reserved
        self.transfer_next = reserve_ids(Transfer, self.transfers)
        self.transfer_last_allowed = self.transfer_next + self.transfers - 1
        # On PostgreSQL transfers are partitioned by month (timebank/lib/partitions.py): a transfer of an
        # earlier month than the sequence's block takes its id from that month's block, as it would have
        # had it been posted then; the rest take the ids reserved above.
        self.by_month = partitions.is_partitioned(Transfer._meta.db_table)
        self.sequence_month = self.transfer_next // partitions.BLOCK
        self.month, self.month_end_us, self.month_next = 0, -1, {}
        self.seq, self.previous, self.last_us = 0, chain.GENESIS, start_us
        self.sealed_at = timezone.now()
        self.w_demand = RowWriter(Demand, [
            "id", "bank_id", "branch_id", "station_id", "elder_id", "for_community", "service_type_id", "address",
            "latitude", "longitude", "starts_at", "ends_at", "headcount", "claimed_count", "payer", "status",
            "created_by_id", "created_at", "published_at", "cancelled_at", "cancelled_by_id", "cancel_reason",
            "closed_at"], self.timings)
        self.w_assignment = RowWriter(Assignment, [
            "id", "demand_id", "volunteer_id", "status", "starts_at", "ends_at", "claimed_at", "claimed_by_id",
            "check_in_at", "check_in_method", "check_out_at", "served_minutes", "rating", "confirmed_at",
            "confirmed_by_id", "hold_id", "credited_minutes", "credited_points", "credit_transfer_ids", "credited_at"],
            self.timings)
        self.w_transfer = RowWriter(Transfer, [
            "id", "bank_id", "debit_id", "credit_id", "amount", "currency", "kind", "status", "hold_id", "corrects_id",
            "subject_type", "subject_id", "actor_id", "memo", "idempotency_key", "expires_at", "created_at",
            "resolved_at", "mac"], self.timings)
        self.w_seal = RowWriter(Seal, ["transfer_id", "bank_id", "seq", "hash", "sealed_at"], self.timings)
        self.rows = {"demand": [], "assignment": [], "transfer": [], "seal": []}
        self.counts = {"transfers": 0, "assignments": 0, "served": 0, "minutes_served": 0, "elder_paid": 0,
                       "demands_completed": 0, "demands_expired": 0, "demands_cancelled": 0, "demands_open": 0}
        self.balance_elders = []  # elders who were granted coins: candidates to pay for a service
        self.misc_done = 0
        for j in range(past):
            starts_us = start_us + (until_us - start_us - 86400 * US) * j // max(past, 1)
            starts_us -= starts_us % (15 * 60 * US)
            # The other movements are spread over the timeline: what the transfer budget leaves after
            # the services still to come (estimated from those so far, with a margin) is shared out.
            remaining = past - j
            from_services = self.counts["transfers"] - self.misc_done
            per_demand = from_services / j if j >= 200 else expected_per_demand
            spare = self.transfers - self.counts["transfers"] - per_demand * remaining * 1.05 - 50
            share = max(0.0, spare / remaining)
            due = int(share) + (1 if rng.random() < share - int(share) else 0)
            for _ in range(due):
                self.misc_transfer(starts_us)
            self.past_demand(self.demand_first + j, starts_us)
            if len(self.rows["transfer"]) >= self.chunk or len(self.rows["demand"]) >= self.chunk:
                self.flush()
        # Whatever the margin left over goes into the last day.
        left = self.transfers - self.counts["transfers"]
        day_start = until_us - 86400 * US
        for k in range(left):
            self.misc_transfer(day_start + 86400 * US * k // max(left, 1))
            if len(self.rows["transfer"]) >= self.chunk:
                self.flush()
        for j in range(past, self.demands):
            self.future_demand(self.demand_first + j, until_us + rng.randint(1, 30) * 86400 * US)
            if len(self.rows["demand"]) >= self.chunk:
                self.flush()
        self.flush()
        ChainHead.objects.update_or_create(bank=self.bank, defaults={"seq": self.seq, "hash": self.previous,
                                                                     "updated_at": self.sealed_at})
        self.created.update(demands=self.demands, transfers=self.counts["transfers"], sealed=self.seq,
                            **{k: v for k, v in self.counts.items() if k != "transfers"})

    def flush(self) -> None:
        self.w_demand.write(self.rows["demand"])
        self.w_transfer.write(self.rows["transfer"])
        self.w_assignment.write(self.rows["assignment"])
        self.w_seal.write(self.rows["seal"])
        for rows in self.rows.values():
            rows.clear()

    def _tick(self, at_us: int) -> int:
        """Transfers are stamped in id order: never earlier than the previous one."""
        self.last_us = max(at_us, self.last_us + 1)
        return self.last_us

    def post(self, debit: int, credit: int, amount: int, currency: str, kind: str, at_us: int, *, actor=None,
             subject=("", ""), key=None, memo="", hold=None, status="posted") -> int:
        """Append one transfer (and its seal when posted) and move the running totals."""
        if self.counts["transfers"] >= self.transfers:
            raise OverflowError
        self.counts["transfers"] += 1
        us = self._tick(at_us)
        if self.by_month and (us >= self.month_end_us or self.month < self.sequence_month):
            tid = self._month_id(us)
        else:
            tid = self.transfer_next
            self.transfer_next += 1
        when = _at(us)
        resolved = when + dt.timedelta(seconds=1) if status == "settled" else None
        fingerprint = ledger_mac.compute((self.bank.pk, debit, credit, amount, currency, kind, status, hold, None,
                                          subject[0], subject[1], actor, memo, key, None, when, resolved))
        self.rows["transfer"].append((tid, self.bank.pk, debit, credit, amount, currency, kind, status, hold, None,
                                      subject[0], subject[1], actor, memo, key, None, when, resolved, fingerprint))
        if status == "posted":
            self.debits[debit - self.account_first] += amount
            self.credits[credit - self.account_first] += amount
            values = (tid, self.bank.pk, debit, credit, amount, currency, kind, hold, None, subject[0], subject[1],
                      actor, memo, when)
            self.seq += 1
            self.previous = hashlib.sha256(self.previous.encode() + chain.canonical(values)).hexdigest()
            self.rows["seal"].append((tid, self.bank.pk, self.seq, self.previous, self.sealed_at))
        return tid

    def _month_id(self, us: int) -> int:
        """The next id of the month of `us` (Asia/Shanghai), its partition made on first use."""
        if us >= self.month_end_us:
            local = _at(us).astimezone(partitions.LOCAL)
            self.month = local.year * 100 + local.month
            following = (local.replace(day=1, hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(days=32))
            self.month_end_us = (following.replace(day=1) - EPOCH) // dt.timedelta(microseconds=1)
        if self.month >= self.sequence_month:
            tid = self.transfer_next
            self.transfer_next += 1
            return tid
        if self.month not in self.month_next:
            lo = partitions.block_start(self.month)
            partitions.ensure_for_ids(Transfer._meta.db_table, [lo])
            with connection.cursor() as cursor:
                cursor.execute("SELECT max(id) FROM ledger_transfer WHERE id >= %s AND id < %s",
                               [lo, lo + partitions.BLOCK])
                self.month_next[self.month] = (cursor.fetchone()[0] or lo - 1) + 1
        tid = self.month_next[self.month]
        self.month_next[self.month] += 1
        return tid

    def available(self, account: int) -> int:
        i = account - self.account_first
        return self.credits[i] - self.debits[i]

    def misc_transfer(self, at_us: int) -> None:
        self.misc_done += 1
        self._misc_transfer(at_us)

    def _misc_transfer(self, at_us: int) -> None:
        """A movement that is not a service credit: grants to elders, points spent in the shop,
        gifts to a relative, donations to the pool, grants from the pool. A member only ever
        spends what they hold at that moment; otherwise it becomes a grant from issuance."""
        rng = self.rng
        roll = rng.randrange(100)
        kind = next(k for k, w in _CUMULATIVE if roll < w)
        if kind == "points_spend":
            pid = self.volunteers[rng.randrange(len(self.volunteers))]
            account = self.points_account[pid]
            amount = rng.choice([10, 20, 50, 100])
            if self.available(account) >= amount:
                b = self.person_station[pid - self.person_first] // STATIONS_PER_BRANCH
                self.post(account, self.rewards[b], amount, POINTS, POINTS_SPEND, at_us,
                          actor=pid, memo="积分兑换")
                return
        elif kind == "gift" and self.relative_list:
            pid, elder = self.relative_list[rng.randrange(len(self.relative_list))]
            amount = rng.choice([30, 60, 120])
            if self.available(self.time_account[pid]) >= amount:
                self.post(self.time_account[pid], self.time_account[elder], amount, TIME, GIFT,
                          at_us, actor=pid, memo="转赠给家人")
                self.balance_elders.append(elder)
                return
        elif kind == "donation":
            pid = self.volunteers[rng.randrange(len(self.volunteers))]
            amount = rng.choice([30, 60])
            if self.available(self.time_account[pid]) >= amount:
                self.post(self.time_account[pid], self.pool, amount, TIME, DONATION, at_us,
                          actor=pid, memo="捐赠")
                return
        elif kind == "pool_grant":
            amount = rng.choice([60, 120])
            if self.available(self.pool) >= amount:
                elder = self.elders[rng.randrange(len(self.elders))]
                self.post(self.pool, self.time_account[elder], amount, TIME, GRANT, at_us,
                          actor=self.bank_admin.pk, memo="困难老人补助（互助池）")
                self.balance_elders.append(elder)
                return
        elder = self.elders[rng.randrange(len(self.elders))]
        b = self.person_station[elder - self.person_first] // STATIONS_PER_BRANCH
        self.post(self.issuance_time[b], self.time_account[elder], rng.choice([120, 300, 600]), TIME,
                  GRANT, at_us, actor=self.bank_admin.pk, memo="高龄独居老人补助")
        self.balance_elders.append(elder)

    def future_demand(self, did: int, starts_us: int) -> None:
        rng = self.rng
        station_i = self.pick_station()
        elders = self.elders_by_station[station_i] or self.elders
        stype = self.one_types[rng.randrange(len(self.one_types))]
        starts = _at(starts_us - starts_us % (15 * 60 * US))
        station = self.stations[station_i]
        staff = self.station_staff[station_i]
        created = starts - dt.timedelta(days=rng.randint(1, 5))
        self.rows["demand"].append((did, self.bank.pk, station.parent_id, station.pk, elders[rng.randrange(len(elders))],
                                    False, stype.pk, station.address, station.latitude, station.longitude, starts,
                                    starts + dt.timedelta(minutes=stype.default_minutes), 1, 0, "branch", "published",
                                    staff, created, created, None, None, "", None))
        self.counts["demands_open"] += 1

    def past_demand(self, did: int, starts_us: int) -> None:
        rng = self.rng
        station_i = self.pick_station()
        station, staff = self.stations[station_i], self.station_staff[station_i]
        b = station_i // STATIONS_PER_BRANCH
        group = rng.random() < GROUP_SHARE and self.group_types
        stype = (self.group_types if group else self.one_types)[rng.randrange(len(self.group_types if group
                                                                                   else self.one_types))]
        elders = self.elders_by_station[station_i] or self.elders
        elder = None if group else elders[rng.randrange(len(elders))]
        headcount = rng.randint(5, 40) if group else (2 if rng.random() < 0.05 else 1)
        starts = _at(starts_us)
        ends = starts + dt.timedelta(minutes=stype.default_minutes)
        created = starts - dt.timedelta(days=rng.randint(1, 7), minutes=rng.randint(0, 600))
        fate = rng.random()
        base = (did, self.bank.pk, station.parent_id, station.pk, elder, bool(group), stype.pk, station.address,
                station.latitude, station.longitude, starts, ends, headcount)
        if fate < 0.05:  # nobody came forward
            self.rows["demand"].append(base + (0, "branch", "expired", staff, created, created, None, None, "", ends))
            self.counts["demands_expired"] += 1
            return
        if fate < 0.08:
            cancelled = starts - dt.timedelta(hours=rng.randint(3, 48))
            self.rows["demand"].append(base + (0, "branch", "cancelled", staff, created, created, cancelled, staff,
                                               "老人临时住院", cancelled))
            self.counts["demands_cancelled"] += 1
            return
        pool = self.volunteers_by_branch[b]
        people = rng.sample(pool, min(headcount, len(pool)))
        elder_pays = (not group and headcount == 1 and self.balance_elders and rng.random() < ELDER_PAID_SHARE)
        if elder_pays:  # a redemption: an elder who holds coins asks for a service and pays with them
            elder = self.balance_elders[rng.randrange(len(self.balance_elders))]
            base = base[:4] + (elder,) + base[5:]
            amount = stype.credit_for(stype.default_minutes)
            if self.available(self.time_account[elder]) < amount:
                elder_pays = False
        confirmer = elder if elder and rng.random() < 0.6 else staff
        closed = ends
        hold = None
        if elder_pays:
            hold = self.post(self.time_account[elder], self.escrow[b], amount, TIME, REDEMPTION,
                             (ends - EPOCH) // dt.timedelta(microseconds=1), actor=staff,
                             subject=("demands.demand", str(did)), key=f"demand:{did}:hold:0", memo=stype.name,
                             status="settled")
        for pid in people:
            aid = self.assignment_next
            self.assignment_next += 1
            if aid >= self.assignment_end:
                raise OverflowError("more assignments than the reserved id range")
            no_show = group and rng.random() < 0.03
            claimed = created + dt.timedelta(hours=rng.randint(1, 20))
            if no_show:
                self.rows["assignment"].append((aid, did, pid, "no_show", starts, ends, claimed, pid, None, "", None,
                                                None, None, None, None, None, None, None, "[]", None))
                self.counts["assignments"] += 1
                continue
            check_in = starts + dt.timedelta(minutes=rng.randint(-10, 5))
            served = max(5, stype.default_minutes + rng.randint(-10, 15))
            check_out = check_in + dt.timedelta(minutes=served)
            confirmed = check_out + dt.timedelta(minutes=rng.randint(5, 600))
            minutes, points = stype.credit_for(served), stype.points_for(served)
            confirmed_us = (confirmed - EPOCH) // dt.timedelta(microseconds=1)
            subject = ("demands.assignment", str(aid))
            ids = []
            if hold:
                minutes = min(minutes, amount)
                ids.append(self.post(self.time_account[elder], self.time_account[pid], minutes, TIME,
                                     REDEMPTION, confirmed_us, actor=confirmer, subject=subject,
                                     key=f"assignment:{aid}:time", memo=stype.name, hold=hold))
                self.counts["elder_paid"] += 1
            else:
                ids.append(self.post(self.issuance_time[b], self.time_account[pid], minutes, TIME,
                                     SERVICE_CREDIT, confirmed_us, actor=confirmer, subject=subject,
                                     key=f"assignment:{aid}:time"))
            if points:
                ids.append(self.post(self.issuance_points[b], self.points_account[pid], points, POINTS,
                                     POINTS_EARN, confirmed_us, actor=confirmer, subject=subject,
                                     key=f"assignment:{aid}:points"))
            credited_at = _at(self.last_us)
            closed = max(closed, credited_at)
            self.rows["assignment"].append((aid, did, pid, "credited", starts, ends, claimed, pid, check_in,
                                            "gps" if rng.random() < 0.8 else "station_code", check_out, served,
                                            rng.choice([5, 5, 5, 4, 4, 3]), confirmed, confirmer, hold, minutes,
                                            points, json.dumps(ids), credited_at))
            self.counts["assignments"] += 1
            self.counts["served"] += 1
            self.counts["minutes_served"] += served
        status = "completed" if people else "expired"
        self.counts["demands_completed" if people else "demands_expired"] += 1
        self.rows["demand"].append(base + (len(people), "elder" if hold else "branch", status, staff, created, created,
                                           None, None, "", closed))


_CUMULATIVE = []
_total = 0
for _kind, _weight in MISC_KINDS:
    _total += _weight
    _CUMULATIVE.append((_kind, _total))
assert _total == 100
