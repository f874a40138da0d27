"""The world the permission matrix runs in: two branches of one bank (A: 五角场, B: 长白), each holding
one record of every kind, and one signed-in person per demo role, all at home in branch A.

It grows the shared personas (`world` and `demand_world` of the conftests) through the real services,
the way the apps' own fixtures do (teams, training, honours, rewards, health, suppliers, imports), and
mirrors everything into branch B, so a path parameter can point at "their own" branch's record or at
the other branch's. Time is the `clock` fixture's: the world is built around tomorrow afternoon and the
requests are sent at tomorrow 14:10, while one volunteer is checked in and the next task is open for
check-in."""
import datetime as dt
import io
from types import SimpleNamespace

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from timebank.complaints import services as complaints
from timebank.conftest import make_person
from timebank.demands import services as demands
from timebank.demands.models import ServiceType
from timebank.demands.tests.conftest import HERE, NEAR
from timebank.health import services as health
from timebank.health.models import Alert
from timebank.honours import certificate_pdf
from timebank.honours import services as honours
from timebank.honours.tests.conftest import served
from timebank.imports.tests.conftest import HEADER, csv_text, id_for
from timebank.ledger import passbook_pdf
from timebank.ledger import selectors as ledger_selectors
from timebank.ledger import services as ledger
from timebank.ledger.models import AccountKind, Currency, TransferKind
from timebank.notices.models import Notice, NoticeKind, PushSubscription
from timebank.notices.services import notice_send
from timebank.orgs.roles import Role
from timebank.orgs.services import role_grant
from timebank.people import services as people
from timebank.people.models import Person, ProxyLink
from timebank.rewards import services as rewards
from timebank.suppliers import services as suppliers
from timebank.suppliers.models import GuaranteeOffer, SettlementLine
from timebank.suppliers.selectors import month_start
from timebank.suppliers.tests.conftest import new_code
from timebank.teams import services as teams
from timebank.training import services as training
from timebank.training.models import CourseKind

B_COORDS = (31.3200, 121.5100)
B_NEAR = (31.32135, 121.5100)


def at(day_offset: int, hour: int, minute: int = 0) -> dt.datetime:
    day = timezone.localdate(timezone.now()) + dt.timedelta(days=day_offset)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def png() -> SimpleUploadedFile:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (3, 3)).save(buffer, "PNG")
    return SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")


def tiny_png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (30, 40), (90, 120, 200)).save(out, "PNG")
    return out.getvalue()


def build(w, clock) -> SimpleNamespace:
    """`w` is the `demand_world` namespace; returns the matrix world: `.a`, `.b` (one record of every
    kind per branch, the same attribute names in both), `.actors` (role → Person) and `.bank`."""
    start = at(1, 8)
    clock.at(start - dt.timedelta(hours=20))  # today, before anything below
    a = SimpleNamespace(branch=w.branch_a, station=w.station_a1, branch_admin=w.branch_admin,
                        station_staff=w.station_staff, elder=w.elder, proxy=w.proxy, volunteer=w.volunteer,
                        here=HERE, near=NEAR, tag="A")
    b = SimpleNamespace(branch=w.branch_b, station=w.station_b1, branch_admin=w.other_branch_admin,
                        station_staff=w.other_station_staff, elder=w.other_elder, volunteer=w.other_volunteer,
                        here=B_COORDS, near=B_NEAR, tag="B")
    b.proxy = make_person(w.station_b1, "长白家属", mobile="13800000032", birth=dt.date(1976, 2, 2))
    ProxyLink.objects.create(bank=w.bank, proxy=b.proxy, elder=b.elder, relation="child")
    a.proxy_link = ProxyLink.objects.get(proxy=a.proxy, elder=a.elder)
    b.proxy_link = ProxyLink.objects.get(proxy=b.proxy, elder=b.elder)
    # The elders have a phone of their own (as the demo's featured elder does), so they can sign in.
    for side in (a, b):  # each volunteer has a card (printed, scanned at the station) with their photo
        side.volunteer.tag_id = f"VCARD{side.tag}"
        side.volunteer.save(update_fields=["tag_id"])
        side.volunteer.photo.save(f"matrix-{side.tag}.png", ContentFile(tiny_png()), save=True)
    b.station.code = "CB77"  # the check-in code printed on its poster (A's is set by the demand world)
    b.station.save(update_fields=["code"])
    for side, mobile in ((a, "13800000013"), (b, "13800000033")):
        side.elder.mobile = mobile
        side.elder.save(update_fields=["mobile"])
    w.haircut = ServiceType.objects.get(bank=w.bank, code="haircut")
    w.start = start

    for side, serial in ((a, 1), (b, 2)):
        _people(w, side, serial)
    for side in (a, b):
        _ledger(w, side)
        _demands(w, side, clock)
    for side, serial in ((a, 1), (b, 2)):
        _teams_training_and_honours(w, side)
        _shop(w, side)
        _health(w, side, serial)
        _suppliers(w, side, serial)
        _imports(w, side)
        _webhooks(w, side)
        _call_list(w, side)
    _shared_supplier(w, a, b)
    from timebank.clearing.models import NettingRun

    a.netting_run = b.netting_run = NettingRun.objects.create(platform=w.platform, business_day=at(-2, 9).date())
    from timebank.clearing.federation import new_signing_key, peer_platform_add

    a.peer_platform = b.peer_platform = peer_platform_add(platform=w.platform, name="matrix-peer", base_url="http://127.0.0.1:9",
                                                          public_key=new_signing_key()[1])
    clock.at(at(1, 14, 10))  # the moment the matrix's requests are sent
    # Every account exists already: pages that show a balance open missing accounts on the way.
    for person in Person.objects.all():
        for currency in (Currency.TIME, Currency.POINTS):
            ledger.member_account(person, currency)

    actors = {
        "elder": a.elder, "proxy": a.proxy, "volunteer": a.volunteer, "team_leader": a.team_leader,
        "station_staff": a.station_staff, "branch_admin": a.branch_admin, "bank_admin": w.bank_admin,
        "auditor": w.auditor, "medical_staff": a.medic, "supplier": a.supplier_staff,
    }
    # A background that keeps up, so `/readyz` answers 200: the ledger sealed, both processes beating.
    from timebank.ledger import chain
    from timebank.ops.services import heartbeat_record

    chain.seal_all()
    heartbeat_record(name="worker:matrix", kind="worker")
    heartbeat_record(name="housekeeping", kind="housekeeping")
    return SimpleNamespace(a=a, b=b, actors=actors, bank=w.bank, platform=w.platform, base=w,
                           service_type_code="chat_visit", chat=w.chat, haircut=w.haircut)


def _call_list(w, side):
    """An elder with no phone of their own: their reminder waits on the station's call list."""
    phoneless = make_person(side.station, f"{side.tag}无手机老人", birth=dt.date(1938, 3, 3), is_elder=True)
    notice_send(people=[phoneless], kind=NoticeKind.REMINDER, text="明天上午九点理发")
    side.call_notice = Notice.objects.get(person=phoneless)
    side.push_subscription = PushSubscription.objects.create(
        person=side.volunteer, endpoint=f"https://push.example.cn/{side.tag}", p256dh="BPk", auth="au")


def _people(w, side, serial):
    station, tag = side.station, side.tag
    side.team_leader = make_person(station, f"{tag}队长", mobile=f"1380000{serial}041", birth=dt.date(1970, 1, 1),
                                   is_volunteer=True, volunteer_status="approved")
    role_grant(actor=None, person=side.team_leader, role=Role.TEAM_LEADER, node=station)
    side.medic = make_person(station, f"{tag}医生", mobile=f"1390000{serial}021")
    role_grant(actor=None, person=side.medic, role=Role.MEDICAL_STAFF, node=side.branch)
    side.newcomer = make_person(station, f"{tag}新人", mobile=f"1380000{serial}051", birth=dt.date(1985, 1, 1),
                                is_volunteer=True, volunteer_status="approved")
    side.pending_volunteer = people.person_register(
        actor=None, station=station, name=f"{tag}待批", id_number=id_for(dt.date(1990, 1, 1)),
        mobile=f"1380000{serial}061", consent=True, is_volunteer=True, self_signup=True)
    side.station_staff_grant = side.station_staff.role_grants.get(revoked_at__isnull=True)
    side.token, _raw = people.api_token_create(actor=side.volunteer, name=f"{tag} phone")


def _ledger(w, side):
    issuance = ledger.system_account(side.branch, AccountKind.ISSUANCE)
    side.transfer = ledger.transfer_post(debit=issuance, credit=ledger.member_account(side.elder), amount=3000,
                                         kind=TransferKind.GRANT, memo="matrix")
    ledger.transfer_post(debit=issuance, credit=ledger.member_account(side.volunteer), amount=300,
                         kind=TransferKind.SERVICE_CREDIT)
    ledger.transfer_post(debit=ledger.system_account(side.branch, AccountKind.ISSUANCE, Currency.POINTS),
                         credit=ledger.member_account(side.volunteer, Currency.POINTS), amount=100,
                         kind=TransferKind.POINTS_EARN)
    side.account = ledger.member_account(side.elder)
    side.points_account = ledger.member_account(side.volunteer, Currency.POINTS)
    # Above the bank's approval threshold (600 minutes) both wait for a second admin: asked by the bank
    # admin, so the branch admin may decide them (and the bank admin may not decide their own).
    side.correction = ledger.correction_request(actor=w.bank_admin, original=side.transfer, amount=700,
                                                reason="matrix: wrong amount")
    side.grant_request = ledger.grant_make(actor=w.bank_admin, elder=side.elder, amount=700, source="issuance",
                                           reason="matrix: hardship")
    opening, lines = ledger_selectors.passbook(side.account, year=None)
    side.passbook_token = passbook_pdf.make_token(account=side.account, year=None, opening=opening, lines=lines)


def _demand(w, side, *, hour, minute=0, minutes=60, publish=True, payer="branch", service_type=None, elder=None):
    starts_at = at(1, hour, minute)
    group = service_type is not None and service_type.mode == "group"
    demand = demands.demand_create(actor=side.station_staff, station=side.station,
                                   service_type=service_type or w.chat, starts_at=starts_at,
                                   ends_at=starts_at + dt.timedelta(minutes=minutes),
                                   elder=None if group else (elder or side.elder), for_community=group,
                                   headcount=3 if group else 1,
                                   address=f"{side.tag} 路 1 号", latitude=side.here[0], longitude=side.here[1],
                                   payer=payer)
    if publish:
        demand = demands.demand_publish(actor=side.station_staff, demand=demand)
    return demand


def _demands(w, side, clock):
    volunteer = side.volunteer
    # All tomorrow (the requests are sent at 14:10): served 09:00–10:00 and waiting for confirmation; served
    # 10:30–11:30 and disputed; checked in 13:30; claimed for 14:30 (check-in open); open at 17:00; a draft.
    side.done_demand = _demand(w, side, hour=9)
    side.disputed_demand = _demand(w, side, hour=10, minute=30)
    side.checked_in_demand = _demand(w, side, hour=13, minute=30)
    side.claimed_demand = _demand(w, side, hour=14, minute=30)
    side.open_demand = _demand(w, side, hour=17)
    side.draft_demand = _demand(w, side, hour=18, publish=False)
    side.later_demand = _demand(w, side, hour=20)  # claimed long before it starts: may still be given back
    side.group_demand = _demand(w, side, hour=21, service_type=w.lecture)  # a lecture a team may take places on
    side.unserved_demand = _demand(w, side, hour=11, minute=30)  # over by the time of the requests: nobody came
    side.past_demand = _demand(w, side, hour=8)
    # An elder nobody serves yet: members learn their name only by taking their request.
    side.stranger = make_person(side.station, f"{side.tag}陌生老人", birth=dt.date(1940, 6, 6), sex="F", is_elder=True)
    side.stranger_demand = _demand(w, side, hour=22, elder=side.stranger)
    side.coin_demand = _demand(w, side, hour=19, payer="elder", service_type=w.haircut)
    for demand in (side.done_demand, side.disputed_demand, side.checked_in_demand, side.claimed_demand,
                   side.later_demand):
        demands.demand_claim(actor=volunteer, demand=demand)
    for demand in (side.done_demand, side.disputed_demand):
        assignment = demand.assignments.get()
        clock.at(demand.starts_at)
        demands.assignment_check_in(actor=volunteer, assignment=assignment, latitude=side.near[0],
                                    longitude=side.near[1])
        clock.advance(minutes=60)
        demands.assignment_check_out(actor=volunteer, assignment=assignment)
    clock.at(side.checked_in_demand.starts_at)
    demands.assignment_check_in(actor=volunteer, assignment=side.checked_in_demand.assignments.get(),
                                latitude=side.near[0], longitude=side.near[1])
    demands.assignment_dispute(actor=side.elder, assignment=side.disputed_demand.assignments.get(),
                               reason="matrix: did not come")
    clock.at(w.start - dt.timedelta(hours=19))
    for name in ("done", "disputed", "checked_in", "claimed", "later"):
        demand = getattr(side, f"{name}_demand")
        demand.refresh_from_db()
        setattr(side, f"{name}_assignment", demand.assignments.get())
    side.series = demands.series_create(actor=side.station_staff, station=side.station, service_type=w.chat,
                                        weekday=(timezone.localdate() + dt.timedelta(days=3)).weekday(),
                                        start_time=dt.time(9), duration_minutes=60,
                                        starts_on=timezone.localdate() + dt.timedelta(days=2),
                                        until=timezone.localdate() + dt.timedelta(days=40), elder=side.elder,
                                        address=f"{side.tag} 路 2 号", latitude=side.here[0],
                                        longitude=side.here[1])
    # 我能提供: the volunteer's open offer, which station staff may turn into a request.
    side.offer = demands.offer_create(actor=volunteer, service_type=w.chat, description=f"{side.tag} 我会陪聊",
                                      free_slots=["mon_am"])


def _teams_training_and_honours(w, side):
    side.team = teams.team_create(actor=side.branch_admin, node=side.branch, name=f"{side.tag}服务队",
                                  leader=side.team_leader)
    teams.team_join(actor=side.newcomer, team=side.team)
    side.course = training.course_create(actor=side.branch_admin, node=side.branch, code=f"course-{side.tag}",
                                         name=f"{side.tag}理发技能", kind=CourseKind.PROFESSIONAL, valid_months=12)
    starts = at(2, 9)
    side.session = training.session_create(actor=side.branch_admin, course=side.course, node=side.station,
                                           starts_at=starts, ends_at=starts + dt.timedelta(hours=2),
                                           place=f"{side.tag}活动室", capacity=5)
    side.signup = training.session_signup(actor=side.newcomer, session=side.session)
    side.served_assignment = served(side, side.past_demand, 60)  # a service on the volunteer's record
    side.record_certificate = honours.record_certificate_issue(actor=side.branch_admin, person=side.volunteer)
    side.certificate_token = certificate_pdf.make_token(side.record_certificate)
    side.record_correction = honours.correction_request(actor=side.volunteer, description="matrix: a missing visit",
                                                        assignment=side.done_assignment)


def _shop(w, side):
    side.reward_item = rewards.item_create(actor=side.branch_admin, branch=side.branch, name=f"{side.tag}毛巾",
                                           price_points=30, stock=5)
    side.reward_order = rewards.order_place(actor=side.volunteer, item=side.reward_item)


def _health(w, side, serial):
    side.device, side.device_token = health.device_register(actor=w.bank_admin, station=side.station,
                                                             serial=f"BP-{side.tag}", model="YE-900")
    side.card = health.card_issue(actor=side.station_staff, elder=side.elder, uid=f"04A1B2C{serial}")
    side.thresholds = health.thresholds_set(actor=side.medic, bank=w.bank, elder=side.elder, reason="matrix",
                                            bp_systolic_high=150)
    health.proxy_health_consent_set(actor=side.elder, elder=side.elder, proxy=side.proxy, consent=True)
    alerts = []
    # One alert per elder and rule stays open: three urgent readings of three kinds raise three alerts.
    for item in ({"kind": "bp", "systolic": 200, "diastolic": 120}, {"kind": "heart_rate", "bpm": 150},
                 {"kind": "glucose", "glucose": 2.0, "unit": "mmol/L"}):
        item["measured_at"] = (timezone.now() - dt.timedelta(minutes=5 + len(alerts))).isoformat()
        side.reading = health.reading_enter(actor=side.medic, elder=side.elder, item=item)
        alerts.append(Alert.objects.filter(elder=side.elder).exclude(pk__in=[a.pk for a in alerts]).get())
    side.alert, side.acknowledged_alert, side.followed_up_alert = alerts
    for alert in alerts[1:]:
        health.alert_acknowledge(actor=side.medic, alert=alert)
    health.alert_follow_up(actor=side.medic, alert=alerts[2], outcome="phoned")


def _suppliers(w, side, serial):
    supplier = suppliers.supplier_register(
        actor=w.bank_admin, node=side.branch, name=f"{side.tag}美发", credit_code=new_code(), contact_name="陈经理",
        contact_phone="13700000000", areas=[side.branch],
        licences=[("营业执照", f"L-{side.tag}", timezone.localdate() + dt.timedelta(days=365))],
        offers=[(w.haircut, 3000, True)])
    side.supplier = suppliers.supplier_admit(actor=w.bank_admin, supplier=supplier)
    side.applied_supplier = suppliers.supplier_register(
        actor=w.bank_admin, node=side.branch, name=f"{side.tag}待审", credit_code=new_code(), contact_name="王经理",
        contact_phone="13700000001", areas=[side.branch],
        licences=[("营业执照", f"L2-{side.tag}", timezone.localdate() + dt.timedelta(days=365))],
        offers=[(w.haircut, 2000, True)])
    side.supplier_staff = make_person(side.station, f"{side.tag}美发员工", mobile=f"1370000{serial}101")
    suppliers.supplier_member_add(actor=w.bank_admin, supplier=side.supplier, person=side.supplier_staff)

    def book(hour):
        return suppliers.order_book(actor=side.station_staff, supplier=side.supplier, service_type=w.haircut,
                                    elder=side.elder, starts_at=at(2, hour), payment="coins", address="家中")

    side.order_booked = book(9)
    side.order_accepted = suppliers.order_accept(actor=side.supplier_staff, order=book(11))
    side.order_done = suppliers.order_done(actor=side.supplier_staff,
                                           order=suppliers.order_accept(actor=side.supplier_staff, order=book(13)))
    # The elder-paid request nobody claimed is offered to the suppliers (as the worker does).
    suppliers.guarantee_offers_make(now=side.coin_demand.starts_at - dt.timedelta(hours=2))
    side.guarantee_offer = GuaranteeOffer.objects.get(supplier=side.supplier, demand=side.coin_demand)
    side.complaint = complaints.complaint_file(actor=side.elder, subject="supplier", category="quality",
                                               text="matrix: 剪坏了", supplier=side.supplier, order=side.order_done,
                                               photos=[png()])
    side.complaint_photo = side.complaint.photos.get()
    side.accepted_complaint = complaints.complaint_accept(actor=side.station_staff, complaint=complaints.complaint_file(
        actor=side.proxy, subject="supplier", category="quality", text="matrix: 迟到", supplier=side.supplier))
    side.meeting = suppliers.meeting_record(actor=side.branch_admin, node=side.branch, held_on=timezone.localdate(),
                                            title=f"{side.tag} 例会", attendees="全体", minutes="matrix",
                                            suppliers=[side.supplier])


def _shared_supplier(w, a, b):
    """A supplier of the whole bank (like the demo's 陪诊 centre) serving elders of both branches: one
    record that is "own" and "other" at once. What it was owed this month is on its settlement."""
    shared = suppliers.supplier_admit(actor=w.bank_admin, supplier=suppliers.supplier_register(
        actor=w.bank_admin, node=w.bank, name="全区陪诊中心", credit_code=new_code(), contact_name="陶主任",
        contact_phone="13700000009", areas=[w.bank],
        licences=[("民办非企业单位登记证书", "MF-matrix", timezone.localdate() + dt.timedelta(days=365))],
        offers=[(w.haircut, 5000, True)]))
    for side in (a, b):
        side.shared_supplier = shared
        order = suppliers.order_book(actor=side.station_staff, supplier=shared, service_type=w.haircut,
                                     elder=side.elder, starts_at=at(2, 16), payment="coins", address="家中")
        SettlementLine.objects.create(bank=w.bank, supplier=shared, order=order,
                                      month=month_start(timezone.localdate()), amount_fen=5000, coin_minutes=60)


def _webhooks(w, side):
    from timebank.webhooks.services import endpoint_create

    # Registered after every other record: nothing above turned into a delivery.
    side.webhook, _secret = endpoint_create(actor=w.bank_admin, bank=w.bank, url=f"https://hooks.example.org/{side.tag}",
                                            events=["alert.opened"])


def _imports(w, side):
    from timebank.imports.services import import_upload

    rows = [HEADER, [f"{side.tag}导入", id_for(dt.date(1950, 3, 5)), "女", "1950-03-05", "", "", "路"]]
    side.import_job = import_upload(actor=side.station_staff, kind="elders", node=side.station,
                                    file_name="roster.csv", data=csv_text(rows).encode(), consent=True)
