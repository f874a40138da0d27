"""The demo district at the seed article's size (`seed_demo --full`): about 11,709 registered
elders, 4,347 volunteers, 16 teams and 40,000+ person-times served — every row made through the
services (registration and approval, team creation and joining, demand create/publish, claims and
team claims, check-in, check-out, confirmation and its ledger credit), over a year of simulated
days (`timebank.lib.simulated_clock`), one transaction per day. Figures are topped up to their
targets, so a second run adds nothing."""
import datetime as dt
import math
import random
import time
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from timebank.devdata.district import BANK_CODE, ELDER_GIVEN, REGION_CODE, SURNAMES, YOUNG_GIVEN, seed_demo_district
from timebank.lib import resident_id
from timebank.lib.errors import DomainError
from timebank.lib.simulated_clock import simulated_clock
from timebank.orgs.models import Node, NodeKind, RoleGrant
from timebank.orgs.roles import Role
from timebank.people.models import Person

# The figures of seed article 000 (Yangpu, 沪助养老时光汇); "40,000+" person-times served.
ELDERS = 11_709
VOLUNTEERS = 4_347
TEAMS = 16
SERVED = 40_500
DAYS = 365
TEAM_SIZE = 45  # members per team (the leader included), at full scale
GROUP_SHARE = 0.4  # share of person-times served in group activities claimed by teams
LOCAL = ZoneInfo("Asia/Shanghai")
SEED = 2026_11


@dataclass
class Targets:
    elders: int
    volunteers: int
    teams: int
    served: int

    @classmethod
    def at(cls, scale: float) -> "Targets":
        return cls(elders=round(ELDERS * scale), volunteers=round(VOLUNTEERS * scale),
                   teams=max(2, round(TEAMS * scale)), served=round(SERVED * scale))


@dataclass
class Figures:
    elders: int = 0
    volunteers: int = 0
    teams: int = 0
    served: int = 0
    hours_served: float = 0.0
    refused: dict = field(default_factory=dict)


def district_figures(bank: Node) -> Figures:
    """The headline figures, counted from the rows."""
    from django.db.models import Sum

    from timebank.demands.models import Assignment, AssignmentStatus
    from timebank.teams.models import Team

    served = Assignment.objects.filter(demand__bank=bank, status=AssignmentStatus.CREDITED)
    minutes = served.aggregate(m=Sum("served_minutes"))["m"] or 0
    return Figures(elders=Person.objects.filter(bank=bank, is_elder=True).count(),
                   volunteers=Person.objects.filter(bank=bank, is_volunteer=True, volunteer_status="approved").count(),
                   teams=Team.objects.filter(bank=bank, closed_at__isnull=True).count(),
                   served=served.count(), hours_served=round(minutes / 60, 1))


class FullDistrict:
    def __init__(self, scale: float = 1.0, log=print, today: dt.date | None = None):
        self.scale, self.log = scale, log
        self.targets = Targets.at(scale)
        self.rng = random.Random(SEED)
        self.today = today or timezone.localdate()
        self.refused: dict[str, int] = {}
        self.serial = 0
        self.step = 10.0

    # ---- the whole build -----------------------------------------------------------------------
    def build(self) -> Figures:
        seed_demo_district()
        self.bank = Node.objects.get(kind=NodeKind.BANK, code=BANK_CODE)
        have = district_figures(self.bank)
        need_elders = max(0, self.targets.elders - have.elders)
        need_volunteers = max(0, self.targets.volunteers - have.volunteers)
        need_teams = max(0, self.targets.teams - have.teams)
        need_served = max(0, self.targets.served - have.served)
        if not (need_elders or need_volunteers or need_teams or need_served):
            return have
        self.load_district()
        days = self.days = max(14, min(DAYS, round(DAYS * self.scale * 10)))  # a small district: a shorter history
        start = dt.datetime.combine(self.today - dt.timedelta(days=days), dt.time(0, 30), LOCAL)
        started = time.perf_counter()
        with simulated_clock(start) as clock:
            self.clock = clock
            for day in range(days):
                date = self.today - dt.timedelta(days=days - day)
                days_left = days - day
                # Registrations: most people are on the books from the first day, the rest join over the year.
                elders = math.ceil(need_elders * (0.6 if day == 0 else 0.4 / (days - 1))) if need_elders else 0
                volunteers = (math.ceil(need_volunteers * (0.6 if day == 0 else 0.4 / (days - 1)))
                              if need_volunteers else 0)
                served_today = math.ceil(need_served / days_left) if need_served else 0
                elders, volunteers = min(elders, need_elders), min(volunteers, need_volunteers)
                with transaction.atomic():
                    # Registrations between 01:00 and 05:00, teams formed by 06:30, services from 07:00.
                    clock.set(dt.datetime.combine(date, dt.time(1, 0), LOCAL))
                    self.step = min(10.0, 4 * 3600 / max(1, elders + volunteers))
                    need_elders -= self.register_elders(elders)
                    need_volunteers -= self.register_volunteers(volunteers)
                    if day == 0 and need_teams:
                        clock.set(dt.datetime.combine(date, dt.time(5, 0), LOCAL))
                        need_teams -= self.create_teams(need_teams)
                    if served_today:
                        need_served -= self.serve_day(date, served_today)
                if day % 30 == 0:
                    self.log(f"  day {day + 1}/{days} ({date}): {time.perf_counter() - started:.0f} s")
            if need_elders or need_volunteers:  # rounding leftovers
                with transaction.atomic():
                    clock.set(dt.datetime.combine(self.today, dt.time(1, 0), LOCAL))
                    self.register_elders(need_elders)
                    self.register_volunteers(need_volunteers)
        figures = district_figures(self.bank)
        figures.refused = dict(self.refused)
        return figures

    # ---- what exists ---------------------------------------------------------------------------
    def load_district(self) -> None:
        from timebank.demands.models import ServiceMode, ServiceType
        from timebank.teams.models import MembershipStatus, Team

        bank = self.bank
        self.stations = list(Node.objects.filter(bank=bank, kind=NodeKind.STATION, is_closed=False)
                             .select_related("parent", "bank").order_by("path"))
        self.branches = sorted({s.parent_id: s.parent for s in self.stations}.values(), key=lambda b: b.path)
        grants = RoleGrant.objects.filter(node__bank=bank, revoked_at__isnull=True).select_related("person")
        self.station_staff = {g.node_id: g.person for g in grants if g.role == Role.STATION_STAFF}
        self.branch_admin = {g.node_id: g.person for g in grants if g.role == Role.BRANCH_ADMIN}
        people = Person.objects.filter(bank=bank).select_related("node")
        self.elders_by_station = {s.pk: [] for s in self.stations}
        for elder in people.filter(is_elder=True).order_by("id"):
            self.elders_by_station.setdefault(elder.node_id, []).append(elder)
        self.volunteers_by_branch = {b.pk: [] for b in self.branches}
        for volunteer in people.filter(is_volunteer=True, volunteer_status="approved").order_by("id"):
            self.volunteers_by_branch.setdefault(volunteer.node.parent_id, []).append(volunteer)
        types = ServiceType.objects.filter(bank=bank, is_active=True, required_certificate="").order_by("code")
        self.one_types = [t for t in types if t.mode == ServiceMode.ONE_TO_ONE]
        self.group_types = [t for t in types if t.mode == ServiceMode.GROUP]
        self.teams = []
        for team in Team.objects.filter(bank=bank, closed_at__isnull=True).select_related("leader", "node"):
            members = list(Person.objects.filter(team_memberships__team=team,
                                                 team_memberships__status=MembershipStatus.APPROVED)
                           .select_related("node"))
            self.teams.append((team, members))
        self.mobile_next = 13_700_000_000 + Person.objects.filter(mobile__startswith="137").count()

    def _refused(self, err: DomainError, step: str = "") -> None:
        key = f"{step}:{err.code}" if step else err.code
        self.refused[key] = self.refused.get(key, 0) + 1

    # ---- people ------------------------------------------------------------------------------
    def _name(self, sex: str, *, elder: bool) -> str:
        given = (ELDER_GIVEN if elder else YOUNG_GIVEN)[sex]
        return self.rng.choice(SURNAMES) + self.rng.choice(given)

    def _birth(self, age_from: int, age_to: int) -> dt.date:
        age = self.rng.randint(age_from, age_to)
        return dt.date(self.today.year - age - 1, 1, 2) + dt.timedelta(days=self.rng.randint(0, 363))

    def _id_number(self, birth: dt.date, sex: str) -> str:
        self.serial += 1
        return resident_id.compose(REGION_CODE, birth, self.serial, sex)

    def _register(self, **kwargs) -> Person | None:
        """Register through the service; an ID number already on the books is skipped (a rerun or
        a demo number drawn twice), any other refusal is counted."""
        from timebank.people.exceptions import DuplicatePerson, MobileTaken
        from timebank.people.services import person_register

        for _attempt in range(20):
            sex = kwargs.pop("sex")
            birth = kwargs["birth_date"]
            try:
                with transaction.atomic():
                    return person_register(id_number=self._id_number(birth, sex), gender=sex, consent=True, **kwargs)
            except (DuplicatePerson, MobileTaken):
                kwargs["sex"] = sex
                if kwargs.get("mobile"):
                    kwargs["mobile"] = self._mobile()
            except DomainError as err:
                self._refused(err)
                return None
        return None

    def _mobile(self) -> str:
        self.mobile_next += 1
        return str(self.mobile_next)

    def register_elders(self, count: int) -> int:
        done = 0
        for _ in range(count):
            station = self.rng.choice(self.stations)
            staff = self.station_staff.get(station.pk)
            sex = self.rng.choice("FFM")
            self.clock.advance(seconds=self.step)
            elder = self._register(actor=staff, station=station, name=self._name(sex, elder=True), sex=sex,
                                   birth_date=self._birth(62, 95), address=f"{station.address}{self.rng.randint(1, 60)}号",
                                   is_elder=True)
            if elder is not None:
                self.elders_by_station[station.pk].append(elder)
                done += 1
        return done

    def register_volunteers(self, count: int) -> int:
        from timebank.people.services import volunteer_decide

        done = 0
        for _ in range(count):
            station = self.rng.choice(self.stations)
            sex = self.rng.choice("MF")
            elderly = self.rng.random() < 0.5  # younger retirees are the backbone of the bank
            self.clock.advance(seconds=self.step)
            volunteer = self._register(actor=None, self_signup=True, station=station, mobile=self._mobile(),
                                       name=self._name(sex, elder=elderly), sex=sex,
                                       birth_date=self._birth(60, 70) if elderly else self._birth(20, 59),
                                       is_volunteer=True)
            if volunteer is None:
                continue
            if volunteer.volunteer_status != "approved":
                try:
                    volunteer = volunteer_decide(actor=self.station_staff[station.pk], person=volunteer, approve=True)
                except DomainError as err:
                    self._refused(err)
                    continue
            done += 1  # a provider: an approved volunteer, as the dashboard counts them
            volunteer.node = station
            self.volunteers_by_branch[station.parent_id].append(volunteer)
        return done

    # ---- teams ---------------------------------------------------------------------------------
    def create_teams(self, count: int) -> int:
        from timebank.teams.services import membership_decide, team_create, team_join

        size = max(3, round(TEAM_SIZE * min(1.0, self.scale * 4)))
        made = 0
        taken = {m.pk for _team, members in self.teams for m in members}
        for _ in range(count):
            # The branch with the most volunteers not yet in a team.
            free = {b.pk: [v for v in self.volunteers_by_branch[b.pk] if v.pk not in taken] for b in self.branches}
            branch = max(self.branches, key=lambda b: (len(free[b.pk]), -b.pk))
            pool = free[branch.pk]
            if not pool:
                break
            admin = self.branch_admin[branch.pk]
            leader = pool[0]
            name = f"{branch.name}时光伙伴服务队{len(self.teams) + 1}"
            try:
                team = team_create(actor=admin, node=branch, name=name, leader=leader, description="")
            except DomainError as err:
                self._refused(err)
                continue
            members = [leader]
            taken.add(leader.pk)
            for volunteer in pool[1:size]:
                self.clock.advance(seconds=6)
                try:
                    team_join(actor=volunteer, team=team)
                    membership_decide(actor=leader, team=team, person=volunteer, approve=True)
                except DomainError as err:
                    self._refused(err)
                    continue
                members.append(volunteer)
                taken.add(volunteer.pk)
            self.teams.append((team, members))
            made += 1
        return made

    # ---- a day of services ---------------------------------------------------------------------
    def serve_day(self, date: dt.date, target: int) -> int:
        """Publish and claim the day's services at 07:00, check in and out at their times, confirm
        in the evening. Each volunteer serves at most once a day."""
        from timebank.demands import services as demands
        from timebank.teams.services import team_claim

        rng, clock = self.rng, self.clock
        clock.set(dt.datetime.combine(date, dt.time(7, 0), LOCAL))
        busy: set[int] = set()
        events = []  # (time, order, kind, assignment, volunteer, demand point or station code)
        planned = 0
        if self.teams and self.group_types and rng.random() < GROUP_SHARE * 2:
            team, members = self.teams[rng.randrange(len(self.teams))]
            size = min(len(members), rng.randint(10, 40), max(1, round(target * GROUP_SHARE * 2)))
            chosen = [m for m in rng.sample(members, size) if m.pk not in busy]
            stations = [s for s in self.stations if s.parent_id == team.node_id]
            station = rng.choice(stations)
            stype = rng.choice(self.group_types)
            starts = dt.datetime.combine(date, dt.time(rng.choice([9, 10, 14, 15]), 0), LOCAL)
            try:
                demand = demands.demand_create(
                    actor=self.station_staff[station.pk], station=station, service_type=stype, starts_at=starts,
                    ends_at=starts + dt.timedelta(minutes=stype.default_minutes), for_community=True,
                    headcount=max(1, len(chosen)), address=station.address, latitude=station.latitude,
                    longitude=station.longitude)
                demands.demand_publish(actor=self.station_staff[station.pk], demand=demand)
                clock.advance(seconds=30)
                assignments = team_claim(actor=team.leader, team=team, demand=demand, members=chosen)
            except DomainError as err:
                self._refused(err)
                assignments = []
            for assignment, member in zip(assignments, sorted(chosen, key=lambda m: m.pk), strict=False):
                busy.add(member.pk)
                events.append((demand.starts_at - dt.timedelta(minutes=5), 0, "in", assignment, member,
                               {"station_code": station.code}))
                events.append((demand.ends_at + dt.timedelta(minutes=5), 1, "out", assignment, member, {}))
                events.append((None, 2, "confirm", assignment, member, station.pk))
                planned += 1
        attempts = 0
        while planned < target and attempts < target * 3:
            attempts += 1
            station = rng.choice(self.stations)
            elders = self.elders_by_station.get(station.pk)
            free = [v for v in self.volunteers_by_branch.get(station.parent_id, []) if v.pk not in busy]
            if not elders or not free:
                continue
            elder, volunteer = rng.choice(elders), rng.choice(free)
            stype = rng.choice(self.one_types)
            starts = dt.datetime.combine(date, dt.time(8, 0), LOCAL) + dt.timedelta(minutes=30 * rng.randint(0, 16))
            staff = self.station_staff[station.pk]
            clock.advance(seconds=20)
            try:
                demand = demands.demand_create(
                    actor=staff, station=station, service_type=stype, elder=elder, starts_at=starts,
                    ends_at=starts + dt.timedelta(minutes=stype.default_minutes), headcount=1,
                    address=elder.address, latitude=station.latitude, longitude=station.longitude)
                demands.demand_publish(actor=staff, demand=demand)
                clock.advance(seconds=40)
                assignment = demands.demand_claim(actor=volunteer, demand=demand)
            except DomainError as err:
                self._refused(err)
                continue
            busy.add(volunteer.pk)
            point = {"latitude": station.latitude, "longitude": station.longitude}
            events.append((starts - dt.timedelta(minutes=5), 0, "in", assignment, volunteer, point))
            events.append((demand.ends_at + dt.timedelta(minutes=5), 1, "out", assignment, volunteer, point))
            events.append((None, 2, "confirm", assignment, volunteer, station.pk))
            planned += 1
        served = 0
        evening = dt.datetime.combine(date, dt.time(21, 0), LOCAL)  # after the last check-out
        failed: set[int] = set()
        for when, _order, kind, assignment, volunteer, extra in sorted(
                events, key=lambda e: (e[0] or evening, e[1], e[3].pk)):
            if assignment.pk in failed:
                continue
            clock.set(when or evening)
            clock.advance(seconds=1)
            try:
                if kind == "in":
                    demands.assignment_check_in(actor=volunteer, assignment=assignment, **extra)
                elif kind == "out":
                    point = {k: extra[k] for k in ("latitude", "longitude")} if extra else {}
                    demands.assignment_check_out(actor=volunteer, assignment=assignment, **point)
                else:
                    done = demands.assignment_confirm(actor=self.station_staff[extra], assignment=assignment,
                                                      rating=rng.choice([5, 5, 5, 4, 4, 3]))
                    served += done.status == "credited"
            except DomainError as err:
                self._refused(err, kind)
                failed.add(assignment.pk)
        return served
