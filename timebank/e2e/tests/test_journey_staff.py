"""Station staff's journey: sign in, register an elder who has no phone, link the daughter who will act
for her, and open the new elder's (empty) passbook — once with JavaScript, once without."""
import datetime as dt

import pytest
from playwright.sync_api import expect

from timebank.e2e.conftest import sign_in
from timebank.lib.resident_id import compose
from timebank.people.demo_district import FEATURED_PROXY, _station_index, station_staff_mobile
from timebank.people.models import Person

VARIANTS = [pytest.param(True, id="phone"), pytest.param(False, id="nojs")]


@pytest.mark.parametrize("js", VARIANTS)
def test_station_staff_register_an_elder_and_link_her_daughter(district, journey, js):
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
