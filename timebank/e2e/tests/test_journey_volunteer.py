"""A day in the time bank, in two browsers: the elder 王秀英 asks for a visit paid with her own coins;
the volunteer 李思雨 finds it in her feed, takes it, checks in at the door and out an hour later; the
elder confirms with one of five large faces (by keyboard alone in the second run); both passbooks then
show the hour — on a phone, once with JavaScript and once without it in care mode. The server's clock
is stopped (fixture `clock`) and moved on by the hour the visit lasts."""
import pytest
from django.utils import translation
from playwright.sync_api import expect

from timebank.demands.models import Assignment, AssignmentStatus
from timebank.devdata.district import FEATURED_ELDER, FEATURED_VOLUNTEER
from timebank.e2e.browser import tab_to
from timebank.e2e.conftest import sign_in, switch_care_mode
from timebank.ledger import display
from timebank.ledger.models import Currency
from timebank.ledger.selectors import accounts_of
from timebank.people.models import Person

VARIANTS = [pytest.param(True, id="phone"), pytest.param(False, id="nojs-care")]


def hours(minutes: int) -> str:
    with translation.override("zh-hans"):
        return display.minutes_in_words(minutes)


def stored(person: Person) -> int:
    return accounts_of(person)[Currency.TIME].balance


@pytest.mark.parametrize("js", VARIANTS)
def test_a_volunteer_serves_an_elder_and_both_passbooks_show_the_hour(district, clock, journey, js):
    variant = "phone" if js else "nojs-care"
    elder_person = Person.objects.get(mobile=FEATURED_ELDER[0])
    volunteer_person = Person.objects.get(mobile=FEATURED_VOLUNTEER[0])
    elder_before, volunteer_before = stored(elder_person), stored(volunteer_person)
    station = elder_person.node

    # The elder asks for a visit tomorrow at 09:20 (the server's clock says 09:00), paid with her coins.
    elder = journey(f"day-elder-{variant}", js=js)
    page = elder.page
    page.goto("/login/")
    if not js:
        switch_care_mode(elder)
    sign_in(elder, FEATURED_ELDER[0])
    page.get_by_role("link", name="我的需求").click()
    elder.check("requests", care=not js)
    page.get_by_role("link", name="发布需求").click()
    page.get_by_label(elder_person.name).check()
    page.get_by_label("需要什么帮助").select_option(label="聊天慰问")
    page.locator("#id_day").fill(clock.now.date().isoformat())
    page.locator("#id_start").fill("09:20")
    page.locator("#id_end").fill("10:20")
    page.locator("input[name=payer][value=elder]").check()
    elder.check("ask-for-help", care=not js)
    page.get_by_role("button", name="提交需求").click()
    expect(page.locator(".message.success")).to_be_visible()
    expect(page.locator(".demand-card")).to_have_count(1)
    elder.check("request-sent", care=not js)

    # The volunteer, on her phone in the street.
    volunteer = journey(f"volunteer-{variant}", js=js, geolocation=(station.latitude, station.longitude))
    page = volunteer.page
    page.goto("/login/")
    if not js:
        switch_care_mode(volunteer)
    sign_in(volunteer, FEATURED_VOLUNTEER[0])
    volunteer.check("home", care=not js)
    page.keyboard.press("Tab")  # the first Tab shows the skip link, which leads past the header
    expect(page.get_by_role("link", name="跳到主要内容")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.get_by_role("link", name="找任务").click()
    expect(page.locator(".demand-card")).to_have_count(1)
    expect(page.locator(".demand-card")).to_contain_text("聊天慰问")
    volunteer.check("feed", care=not js)
    # She reads the task first: whom it serves stays hidden until she takes it.
    page.locator(".demand-card h2 a").click()
    expect(page.locator("main")).to_contain_text("聊天慰问")
    expect(page.locator("main")).not_to_contain_text(elder_person.name)
    volunteer.check("task-details", care=not js)
    if not js:  # back to the feed, whose button takes it as well
        page.go_back()
    page.get_by_role("button", name="接单").click()
    expect(page.locator(".message.success")).to_be_visible()
    expect(page.locator("main")).to_contain_text(elder_person.name)
    volunteer.check("task-taken", care=not js)

    if js:  # the phone's location fills the check-in form
        page.get_by_role("button", name="签到").click()
    else:  # without JavaScript the station's code, posted on its door, does the same
        page.get_by_label("服务站签到码（无法定位时填写）").fill(station.code)
        page.get_by_role("button", name="签到").click()
    expect(page.get_by_role("button", name="签退")).to_be_visible()
    assignment = Assignment.objects.get(volunteer=volunteer_person, demand__elder=elder_person)
    assert assignment.status == AssignmentStatus.CHECKED_IN
    assert assignment.check_in_method == ("gps" if js else "station_code")
    volunteer.check("checked-in", care=not js)

    clock.advance(hours=1)  # the visit
    page.get_by_role("button", name="签退").click()
    expect(page.locator(".message.success")).to_contain_text("60")
    volunteer.check("checked-out", care=not js)

    # The elder confirms with a face (the radio buttons are the faces' labels).
    page = elder.page
    page.goto("/")
    page.get_by_role("link", name="我的需求").click()
    page.get_by_role("link", name=f"确认 {volunteer_person.name} 的服务").click()
    expect(page.locator(".faces label")).to_have_count(5)
    elder.check("confirm", care=not js)
    if js:
        page.get_by_label("很好").check()
        page.get_by_role("button", name="确认", exact=True).click()
    else:  # by keyboard only: Tab to the faces, Space picks the first, Tab to the button, Enter sends
        tab_to(page, "input[name=rating]")
        page.keyboard.press("Space")
        expect(page.get_by_label("很好")).to_be_checked()
        tab_to(page, "button[type=submit].big-action", limit=3)
        page.keyboard.press("Enter")
    expect(page.locator(".message.success")).to_be_visible()
    elder.check("confirmed", care=not js)
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.CREDITED and assignment.rating == 5
    assert assignment.credited_minutes == 60

    page.goto("/")
    page.get_by_role("link", name="我的时间币和存折").click()
    expect(page.locator(".balance-big")).to_have_text(hours(elder_before - 60))
    expect(page.locator("table.passbook tbody tr").first).to_contain_text("−" + hours(60))  # a real minus sign
    elder.check("coins-after", care=not js)

    page = volunteer.page
    page.goto("/")
    page.get_by_role("link", name="我的时间币和存折").click()
    expect(page.locator(".balance-big")).to_have_text(hours(volunteer_before + 60))
    expect(page.locator("table.passbook tbody tr").first).to_contain_text("+" + hours(60))
    volunteer.check("passbook", care=not js)
