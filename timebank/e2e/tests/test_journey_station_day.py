"""A station's whole day without the WeChat group (issue 18), one journey per part, as the clerk of
政立路 (wujiaochang-1) and the members she serves meet it on a phone:
1. reaching people — a message to the station's elders, checked before it is sent; the call list for
   those without a mobile, a call recorded, the list printed; the elder reads it in her messages; the
   volunteer chooses which new requests she hears about;
2. paper — the day's task list and sign sheet and the check-in poster, printed from the week calendar,
   a team's roster and a training session's sheet to sign;
3. no internal ids — a health card issued to an elder found by her pinyin initials, a visit for her
   with the address from her record and its map point pinned by a click on the drawn map, two volunteers
   approved at once, the station's phone and hours on the elder's home page;
4. card and wristband — a volunteer card issued and printed, scanned at the station (the reader types
   the id and Enter) to check her in and out, and her passbook opened from the scan — without JavaScript;
   and the nurse's follow-up call on a health alert, the numbers shown for that call only.
The server's clock is stopped (fixture `clock`) at 09:00 tomorrow."""
import base64
import datetime as dt
import re
import subprocess

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.db.models import Q
from playwright.sync_api import expect

from timebank.audit.models import AuditEvent
from timebank.demands.models import Assignment, AssignmentStatus, Demand, ServiceType
from timebank.demands.selectors import distance_m
from timebank.demands.services import demand_claim, demand_create
from timebank.devdata.district import (
    FEATURED_ELDER,
    FEATURED_VOLUNTEER,
    STAFF,
    _station_index,
    station_staff_mobile,
)
from timebank.e2e.browser import SCREENSHOTS
from timebank.e2e.conftest import sign_in
from timebank.health.models import Alert, HealthCard
from timebank.health.services import reading_enter
from timebank.lib.pinyin import initials
from timebank.lib.resident_id import compose
from timebank.notices.models import CallOutcome, Notice, NoticeKind
from timebank.orgs.roles import Role
from timebank.people.models import Person, PersonStatus, VolunteerStatus
from timebank.people.services import person_register
from timebank.teams.services import team_create
from timebank.tests.printed import pdf_text
from timebank.training.services import course_create, session_create, session_signup

CLERK = station_staff_mobile(_station_index("wujiaochang", 1))
MEDIC = next(mobile for mobile, _n, _s, role, _c in STAFF if role == Role.MEDICAL_STAFF)


@pytest.fixture(autouse=True)
def workers_keep_up(monkeypatch):
    """No task worker runs beside the live server here: the banner saying the background is behind
    would stand on every staff page of the guide's pictures, where a station's workers do run."""
    monkeypatch.setattr("timebank.ops.context_processors._behind", lambda: [])


def _station():
    return Person.objects.get(mobile=FEATURED_ELDER[0]).node


def _elders_without_mobile(station) -> list[Person]:
    return list(Person.objects.filter(Q(mobile__isnull=True) | Q(mobile=""), node=station, is_elder=True,
                                      status=PersonStatus.ACTIVE).order_by("pk"))


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _pdf(page, href: str, *, picture: str = "") -> str:
    """What the browser's PDF viewer would show for the link: a PDF, read back as text; with `picture`,
    its first page is also saved beside the screenshots, for the guide (poppler's pdftoppm)."""
    response = page.request.get(href)
    assert response.ok and response.headers["content-type"] == "application/pdf", (href, response.status)
    assert response.body().startswith(b"%PDF-")
    if picture:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        subprocess.run(["pdftoppm", "-png", "-r", "50", "-singlefile", "-", str(SCREENSHOTS / picture)],
                       input=response.body(), check=True)
    return pdf_text(response.body())


def _visit_today(clock, station, elder: Person, volunteer: Person) -> Assignment:
    """A visit at the station at 09:30 today (the clock says 09:00), taken by the volunteer."""
    clerk = Person.objects.get(mobile=CLERK)
    start = clock.now.replace(minute=30)
    demand = demand_create(actor=clerk, station=station, elder=elder, starts_at=start,
                           ends_at=start + dt.timedelta(hours=1), publish=True,
                           service_type=ServiceType.objects.get(bank=station.bank, code="chat_visit"))
    return demand_claim(actor=volunteer, demand=demand)


def test_part_1_a_clerk_messages_the_elders_and_phones_those_without_a_mobile(district, clock, journey, settings):
    server_key = ec.generate_private_key(ec.SECP256R1())  # the site's push keys (manage.py vapid_keys)
    settings.VAPID_PRIVATE_KEY = _b64(server_key.private_numbers().private_value.to_bytes(32, "big"))
    settings.VAPID_PUBLIC_KEY = _b64(server_key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint))
    station = _station()
    phoneless = _elders_without_mobile(station)
    everyone = Person.objects.filter(node=station, is_elder=True, status=PersonStatus.ACTIVE).count()
    assert len(phoneless) >= 2 and everyone > len(phoneless)
    text = "周五上午九点社区义诊，请带好医保卡。"

    clerk = journey("station-reach")
    page = clerk.page
    page.goto("/login/")
    sign_in(clerk, CLERK)
    page.get_by_role("link", name="群发通知", exact=True).first.click()
    clerk.check("broadcast", member=False)
    page.get_by_label("所在单位").select_option(label=station.name)
    page.get_by_label("发给谁").select_option(label="全部老人")
    page.get_by_label("消息内容").fill(text)
    page.get_by_label("同时发送短信").check()
    page.get_by_role("button", name="查看通知到哪些人").click()
    # The preview: how many, and how — nothing is sent yet.
    reach = page.locator("#broadcast-reach")
    expect(reach).to_contain_text(f"{everyone}")
    expect(reach).to_contain_text(f"{len(phoneless)} 人没有手机")
    assert not Notice.objects.filter(kind=NoticeKind.BROADCAST, text=text).exists()
    clerk.check("broadcast-preview", member=False)
    page.get_by_role("button", name="立即发送").click()
    expect(page.locator(".message.success")).to_contain_text(f"已发送给 {everyone} 人")
    expect(page.locator("table.data tbody tr").first).to_contain_text(text)
    clerk.check("broadcast-sent", member=False)

    # The call list: those without a mobile, with the numbers of their relatives to ring.
    page.get_by_role("link", name="电话通知名单", exact=True).first.click()
    first, second = phoneless[0], phoneless[1]
    call = Notice.objects.get(person=first, kind=NoticeKind.BROADCAST, text=text)
    row = page.locator(f"#call-{call.pk}")
    expect(row).to_contain_text(first.name)
    expect(row).to_contain_text(text)
    expect(row.locator(".phones a").first).to_have_attribute("href", re.compile(r"^tel:1\d{10}$"))
    clerk.check("call-list", member=False)
    row.get_by_label("备注（可不填）").fill("女儿接的电话，会转告")
    row.get_by_role("button", name="已接通并告知").click()
    expect(page.locator(".message.success")).to_contain_text(f"给{first.name}的电话已记录")
    expect(page.locator(f"#call-{call.pk}")).to_have_count(0)  # settled: off the list
    call.refresh_from_db()
    assert call.read_at is not None and call.calls.get().outcome == CallOutcome.REACHED
    clerk.check("call-recorded", member=False)

    # The rest of the list on paper, to ring from the station's desk phone.
    printed = _pdf(page, page.locator("#call-list-pdf").get_attribute("href"), picture="station-reach-printed-call-list")
    assert second.name in printed and first.name not in printed

    # The elder who has a phone reads the message in her messages.
    elder = journey("station-reach-elder")
    page = elder.page
    page.goto("/login/")
    sign_in(elder, FEATURED_ELDER[0])
    page.get_by_role("link", name="消息", exact=True).click()
    expect(page.locator("main .big-list li").first).to_contain_text(text)
    expect(page.locator("main .big-list li").first).to_contain_text("服务站通知")
    # Her phone's browser can show them as they come: the button asks it (not pressed here: no push service).
    expect(page.get_by_role("button", name="在这部手机上显示我的消息")).to_be_visible()
    elder.check("elder-messages")

    # The volunteer chooses which new requests she hears about: chats and walks, on weekday mornings.
    volunteer = journey("station-reach-volunteer")
    page = volunteer.page
    page.goto("/login/")
    sign_in(volunteer, FEATURED_VOLUNTEER[0])
    page.get_by_role("link", name="找任务").click()
    page.get_by_role("link", name="设置新需求提醒").click()
    volunteer.check("alerts")
    page.get_by_label("有我可以接的新需求时提醒我").check()
    page.get_by_label("同时发短信").check()
    page.get_by_label("离我的服务站最远（公里）").fill("2")
    page.get_by_label("聊天慰问").check()
    page.locator("input[name=free_slots]").first.check()
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator(".message.success")).to_contain_text("已保存")
    expect(page.get_by_label("聊天慰问")).to_be_checked()
    volunteer.check("alerts-saved")
    helper = Person.objects.get(mobile=FEATURED_VOLUNTEER[0])
    preference = helper.notice_preference
    assert preference.new_demands and preference.new_demands_by_sms and preference.max_km == 2
    assert len(preference.free_slots) == 1 and len(preference.service_codes) == 1


def test_part_2_the_clerk_prints_the_days_sheet_and_the_check_in_poster(district, clock, journey):
    station = _station()
    elder = _elders_without_mobile(station)[0]
    helper = Person.objects.get(mobile=FEATURED_VOLUNTEER[0])
    _visit_today(clock, station, elder, helper)
    clerk_person = Person.objects.get(mobile=CLERK)
    team = team_create(actor=clerk_person, node=station, name="政立路助老服务队", leader=helper)
    course = course_create(actor=clerk_person, node=station, code="first-aid", name="急救常识")
    start = clock.now + dt.timedelta(days=2, hours=5)
    session = session_create(actor=clerk_person, course=course, node=station, starts_at=start,
                             ends_at=start + dt.timedelta(hours=2), place="政立路社区活动室", capacity=20)
    session_signup(actor=helper, session=session)

    clerk = journey("station-paper")
    page = clerk.page
    page.goto("/login/")
    sign_in(clerk, CLERK)
    page.get_by_role("link", name="需求", exact=True).first.click()
    page.get_by_role("link", name="周日历").click()
    form = page.locator("#day-sheet-form")
    form.get_by_label("服务站").select_option(label=station.name)
    expect(form.get_by_label("日期")).to_have_value(clock.now.date().isoformat())  # today, as the server sees it
    clerk.check("calendar", member=False)

    # The button opens the sheet in a new tab, in the browser's PDF viewer: fetch what that form asks for.
    href = form.evaluate("f => f.action + '?' + new URLSearchParams(new FormData(f)).toString()")
    sheet = _pdf(page, href, picture="station-paper-printed-day-sheet")
    assert station.name in sheet and clock.now.date().isoformat() in sheet
    assert elder.name in sheet and helper.name in sheet and "聊天慰问" in sheet
    assert "09:30" in sheet

    poster = page.locator("p.hint").get_by_role("link", name=station.name, exact=True)
    expect(poster).to_have_attribute("href", f"/demands/stations/{station.pk}/check-in-poster.pdf")
    printed = _pdf(page, poster.get_attribute("href"), picture="station-paper-printed-poster")
    assert station.name in printed and station.code in printed

    # The team's roster, and the sign sheet of Thursday's first-aid class.
    page.get_by_role("link", name="服务团队", exact=True).first.click()
    page.get_by_role("link", name=team.name).first.click()
    roster = _pdf(page, page.get_by_role("link", name="打印队员花名册（PDF）").get_attribute("href"))
    assert team.name in roster and helper.name in roster
    page.get_by_role("link", name="培训", exact=True).first.click()
    page.get_by_role("link", name=re.compile("政立路社区活动室")).click()
    page.get_by_role("link", name="签到表", exact=True).click()
    expect(page.locator("main")).to_contain_text(helper.name)
    clerk.check("training-attendance", member=False)
    sheet = _pdf(page, page.get_by_role("link", name="打印培训签到表（PDF）").get_attribute("href"),
                 picture="station-paper-printed-attendance")
    assert course.name in sheet and helper.name in sheet


def test_part_3_the_clerk_finds_people_by_name_never_by_number(district, clock, journey):
    station = _station()
    elder = _elders_without_mobile(station)[1]
    typed = initials(elder.name)
    newcomers = [person_register(actor=None, station=station, name=name, consent=True, is_volunteer=True,
                                 self_signup=True, mobile=mobile,
                                 id_number=compose("310110", dt.date(1990, 5, day), 300 + day, "F"))
                 for day, (name, mobile) in enumerate([("周晓燕", "13900008801"), ("孙佳怡", "13900008802")], 1)]
    assert all(p.volunteer_status == VolunteerStatus.PENDING for p in newcomers)

    clerk = journey("station-pickers")
    page = clerk.page
    page.goto("/login/")
    sign_in(clerk, CLERK)

    # A health card for an elder: she is found by the pinyin initials of her name, never by a number.
    page.get_by_role("link", name="健康预警", exact=True).first.click()
    page.get_by_role("link", name="健康卡", exact=True).click()
    page.locator("#id_elder").fill(typed)  # the picker follows the typing (HTMX)
    choice = page.get_by_role("radio", name=re.compile(f"^{elder.name}"))
    expect(choice).to_be_visible()
    choice.check()
    page.get_by_role("textbox", name="卡号", exact=True).fill("E0420001")
    clerk.check("health-card-picker", member=False)
    page.get_by_role("button", name="发卡", exact=True).click()
    expect(page.locator(".message.success")).to_contain_text(f"已给{elder.name}发卡")
    expect(page.locator("table.data tbody tr", has_text="E0420001")).to_contain_text(elder.name)
    assert HealthCard.objects.get(uid="E0420001").elder == elder
    clerk.check("health-card-issued", member=False)

    # A visit for her, picked the same way: the address comes from her record, nobody types it.
    assert elder.address
    page.get_by_role("link", name="需求", exact=True).first.click()
    page.get_by_role("link", name="发布需求").click()
    page.get_by_label("服务站").select_option(label=station.name)
    page.get_by_label("服务类型").select_option(label="聊天慰问")
    page.locator("#id_elder").fill(typed)
    page.get_by_role("radio", name=re.compile(f"^{elder.name}")).check()
    page.locator("#id_day").fill(clock.now.date().isoformat())
    page.locator("#id_start").fill("14:00")
    page.locator("#id_end").fill("15:00")
    expect(page.get_by_label("住址", exact=True)).to_have_value("")
    clerk.check("publish-picker", member=False)
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator("main")).to_contain_text(elder.address)
    clerk.check("published-with-address", member=False)

    # No map service here (an intranet): the clerk clicks where the elder lives on the drawn map around the
    # station, 400 m east of it; a volunteer's phone check-in is measured from there. Never typed numbers.
    expect(page.locator("#pin")).to_contain_text("还没有自己的位置")
    page.get_by_role("button", name="服务站周边地图：点一下服务地点").click(position={"x": 380, "y": 200})
    expect(page.locator(".message.success")).to_contain_text("地图位置已保存：服务站东方向约 400 米处")
    page.get_by_role("button", name="向北 50 米").click()
    expect(page.locator(".message.success")).to_contain_text("东北方向约 400 米处")
    demand = Demand.objects.filter(elder=elder).latest("pk")
    assert demand.latitude > station.latitude and demand.longitude > station.longitude
    assert 395 <= distance_m(demand.latitude, demand.longitude, station.latitude, station.longitude) <= 410
    clerk.check("pinned", member=False)

    # Two neighbours signed up as volunteers this morning: both approved at once.
    page.get_by_role("link", name="志愿者审核", exact=True).first.click()
    for person in newcomers:
        page.get_by_label(f"勾选{person.name}").check()
    clerk.check("approvals", member=False)
    page.get_by_role("button", name="全部通过").click()
    expect(page.locator(".message.success")).to_contain_text("已通过 2 名志愿者")
    for person in newcomers:
        expect(page.get_by_label(f"勾选{person.name}")).to_have_count(0)
        person.refresh_from_db()
        assert person.volunteer_status == VolunteerStatus.APPROVED
    clerk.check("approved", member=False)

    # The elder's home page tells her whom to call, and when the station is open.
    contact = station.contact_node()
    member = journey("station-pickers-elder")
    page = member.page
    page.goto("/login/")
    sign_in(member, FEATURED_ELDER[0])
    box = page.locator("#station-contact")
    expect(box.get_by_role("link", name=re.compile(re.escape(contact.phone)))).to_have_attribute(
        "href", f"tel:{contact.phone}")
    expect(box).to_contain_text(f"开放时间：{contact.opening_hours}")
    member.check("station-contact")


def test_part_4_a_card_scanned_at_the_station_checks_the_volunteer_in_and_out(district, clock, journey):
    """Without JavaScript: the reader types the id and Enter, which sends the plain search form."""
    station = _station()
    elder = _elders_without_mobile(station)[0]
    helper = Person.objects.get(mobile=FEATURED_VOLUNTEER[0])
    assignment = _visit_today(clock, station, elder, helper)

    clerk = journey("station-card", js=False)
    page = clerk.page
    page.goto("/login/")
    sign_in(clerk, CLERK)
    page.get_by_role("link", name="人员", exact=True).first.click()
    page.get_by_label("搜索").fill(helper.name)
    page.get_by_label("搜索").press("Enter")
    page.get_by_role("link", name=helper.name).first.click()
    card = page.locator("#volunteer-tag")
    clerk.check("volunteer-record", member=False)
    card.get_by_role("button", name="发卡").click()
    helper.refresh_from_db()
    assert re.fullmatch(r"V[0-9A-Z]{10}", helper.tag_id)
    expect(page.locator(".message.success")).to_contain_text(helper.tag_id)
    expect(card).to_contain_text(helper.tag_id)
    clerk.check("card-issued", member=False)
    printed = _pdf(page, card.get_by_role("link", name="打印志愿者卡（PDF）").get_attribute("href"),
                   picture="station-card-printed-card")
    assert helper.name in printed and helper.tag_id in printed

    # At the desk: she shows her card, the reader types its id and presses Enter.
    page.get_by_role("link", name="需求", exact=True).first.click()
    page.get_by_role("link", name="扫描志愿者卡").click()
    field = page.get_by_label("扫描志愿者卡或手环（或输入编号）")
    expect(field).to_be_focused()  # ready for the reader, nothing to click first
    page.keyboard.type(helper.tag_id.lower())
    page.keyboard.press("Enter")
    task = page.locator(f"#task-{assignment.pk}")
    expect(page.locator("#scanned h2")).to_contain_text(helper.name)
    expect(task).to_contain_text("09:30")
    expect(task).to_contain_text(elder.name)
    clerk.check("scanned", member=False)
    task.get_by_role("button", name="签到", exact=True).click()
    expect(page.locator(".message.success")).to_be_visible()
    expect(task.get_by_role("button", name="签退", exact=True)).to_be_visible()
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.CHECKED_IN and assignment.check_in_method == "staff"
    clerk.check("checked-in", member=False)

    clock.advance(hours=1)  # the visit; she comes back and shows the card again
    expect(field).to_be_focused()
    expect(field).to_have_value("")  # the next scan starts in an empty field, not after the last id
    page.keyboard.type(helper.tag_id)
    page.keyboard.press("Enter")
    expect(page.locator("#scanned h2")).to_contain_text(helper.name)
    task.get_by_role("button", name="签退", exact=True).click()
    expect(page.locator(".message.success")).to_contain_text("60")
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.DONE and assignment.served_minutes == 60
    clerk.check("checked-out", member=False)

    page.get_by_role("link", name="打开其存折").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(helper.name)
    clerk.check("passbook", member=False)
    passbook = _pdf(page, page.get_by_role("link", name="打印存折").get_attribute("href"))
    assert helper.name in passbook


def test_part_4_the_nurse_rings_about_a_health_alert_with_numbers_shown_for_that_call(district, clock, journey):
    """The medical follow-up: the numbers to ring appear on an open alert, for that call only."""
    station = _station()
    elder = _elders_without_mobile(station)[0]
    nurse_person = Person.objects.get(mobile=MEDIC)
    for minutes, (high, low) in ((20, (185, 100)), (10, (192, 104))):
        reading_enter(actor=nurse_person, elder=elder, item={
            "kind": "bp", "systolic": high, "diastolic": low,
            "measured_at": (clock.now - dt.timedelta(minutes=minutes)).isoformat()})
    alert = Alert.objects.get(elder=elder)

    nurse = journey("station-health-call")
    page = nurse.page
    page.goto("/login/")
    sign_in(nurse, MEDIC)
    page.get_by_role("link", name="健康预警", exact=True).first.click()
    row = page.locator(f"#alert-{alert.pk}")
    expect(row).to_contain_text(elder.name)
    expect(row).to_contain_text("192/104")
    expect(row).not_to_contain_text(elder.emergency_contact_phone)  # no numbers until she rings
    nurse.check("alerts", member=False)
    row.get_by_role("button", name="联系电话").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"随访电话：{elder.name}")
    expect(page.get_by_role("link", name=re.compile(re.escape(elder.emergency_contact_phone)))).to_have_attribute(
        "href", f"tel:{elder.emergency_contact_phone}")
    assert AuditEvent.objects.filter(action="health.alert_contacts_revealed", actor=nurse_person).count() == 1
    nurse.check("follow-up-call", member=False)
    page.get_by_role("link", name="返回预警列表").click()
    expect(page.locator(f"#alert-{alert.pk}")).to_be_visible()
