"""Station staff's journey for an elder who has no phone: sign in, register her, link the daughter who
will act for her, open her (empty) passbook; publish a visit for her, dispatch the volunteer 李思雨,
check the volunteer in and out when she reports at the station, confirm on the elder's behalf with a
face, and read the volunteer's passbook — once with JavaScript, once without.
The server's clock is stopped (fixture `clock`) and moved on by the hour the visit lasts."""
import datetime as dt
import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from timebank.demands.models import Assignment, AssignmentStatus
from timebank.devdata.district import FEATURED_PROXY, FEATURED_VOLUNTEER, _station_index, station_staff_mobile
from timebank.e2e.conftest import sign_in
from timebank.ledger import display
from timebank.ledger.models import Currency
from timebank.ledger.selectors import accounts_of
from timebank.lib.resident_id import compose
from timebank.people.models import Person

VARIANTS = [pytest.param(True, id="phone"), pytest.param(False, id="nojs")]


@pytest.mark.parametrize("js", VARIANTS)
def test_station_staff_register_an_elder_and_see_her_served(district, clock, journey, js):
    helper = Person.objects.get(mobile=FEATURED_VOLUNTEER[0])
    before = accounts_of(helper)[Currency.TIME].balance
    staff = journey(f"staff-{'phone' if js else 'nojs'}", js=js)
    page = staff.page
    page.goto("/login/")
    sign_in(staff, station_staff_mobile(_station_index("wujiaochang", 1)))
    staff.check("home", member=False)

    # Keyboard first: the first Tab reaches the skip link, which shows itself and leads to the content.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="跳到主要内容")
    expect(skip).to_be_focused()
    assert skip.bounding_box()["y"] >= 0

    page.get_by_role("link", name="登记老人", exact=True).click()
    staff.check("register", member=False)
    page.get_by_role("textbox", name="姓名", exact=True).fill("陈阿婆")
    page.get_by_role("textbox", name="身份证号", exact=True).fill(compose("310110", dt.date(1941, 6, 1), 987, "F"))
    page.locator("#id_consent").check()
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("陈阿婆")
    staff.check("elder-record", member=False)

    page.get_by_label("代办人的手机号").fill(FEATURED_PROXY[0])
    page.get_by_label("与老人的关系").select_option("child")
    page.get_by_role("button", name="关联", exact=True).click()
    expect(page.locator("table.data").first).to_contain_text(FEATURED_PROXY[1])
    staff.check("proxy-linked", member=False)
    elder = Person.objects.get(name="陈阿婆")
    assert elder.is_elder and elder.mobile is None
    assert elder.proxies.filter(proxy__mobile=FEATURED_PROXY[0], revoked_at__isnull=True).exists()

    page.get_by_role("link", name="时间币和存折").click()
    expect(page.locator(".balance-big")).to_have_text("0 分钟")
    staff.check("elder-coins", member=False)

    # A visit for her tomorrow at 09:20 (the server's clock says 09:00), given to the volunteer 李思雨.
    page.get_by_role("link", name="需求", exact=True).click()
    staff.check("board", member=False)
    page.get_by_role("link", name="发布需求").click()
    page.get_by_label("服务站").select_option(label=elder.node.name)
    page.get_by_label("服务类型").select_option(label="聊天慰问")
    page.locator("#id_elder").fill("陈阿婆")  # the elder picker: HTMX follows the typing; without it, 搜索
    if not js:
        page.get_by_role("button", name="搜索").click()
    page.get_by_role("radio", name=re.compile("^陈阿婆")).check()
    page.locator("#id_day").fill(clock.now.date().isoformat())
    page.locator("#id_start").fill("09:20")
    page.locator("#id_end").fill("10:20")
    staff.check("publish", member=False)
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator(".page-head .status")).to_have_class(re.compile("status-published"))
    staff.check("published", member=False)

    page.locator("tr", has_text=helper.name).get_by_role("button", name="派单").click()
    expect(page.locator(".message.success")).to_contain_text(helper.name)
    staff.check("dispatched", member=False)
    page.get_by_role("button", name="代为签到").click()
    expect(page.get_by_role("button", name="代为签退")).to_be_visible()
    staff.check("checked-in-for-her", member=False)
    clock.advance(hours=1)  # the visit
    page.get_by_role("button", name="代为签退").click()
    staff.check("checked-out-for-her", member=False)
    page.get_by_role("link", name="确认", exact=True).click()
    expect(page.locator(".faces label")).to_have_count(5)
    staff.check("confirm-on-behalf", member=False)
    page.get_by_label("好", exact=True).check()
    page.get_by_role("button", name="确认", exact=True).click()
    expect(page.locator(".message.success")).to_be_visible()
    assignment = Assignment.objects.get(demand__elder=elder, volunteer=helper)
    assert assignment.status == AssignmentStatus.CREDITED and assignment.rating == 4
    assert assignment.confirmed_by.mobile == station_staff_mobile(_station_index("wujiaochang", 1))
    staff.check("confirmed", member=False)

    # The volunteer's passbook, as staff see it.
    page.get_by_role("link", name="人员", exact=True).click()
    page.get_by_label("搜索").fill(helper.name)
    page.get_by_label("搜索").press("Enter")
    expect(page.get_by_role("link", name=helper.name).first).to_be_visible()
    staff.check("people-search", member=False)
    page.get_by_role("link", name=helper.name).first.click()
    staff.check("volunteer-record", member=False)
    page.get_by_role("link", name="时间币和存折").click()
    with translation.override("zh-hans"):
        expect(page.locator(".balance-big")).to_have_text(display.minutes_in_words(before + 60))
    staff.check("volunteer-coins", member=False)
