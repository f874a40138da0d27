"""The elder's journey (王秀英, who has a phone): sign in, read her coins and passbook, print it, and
switch care mode — on a phone, once with JavaScript and once without it in care mode."""
import pytest
from playwright.sync_api import expect

from timebank.devdata.district import FEATURED_ELDER
from timebank.e2e.conftest import sign_in, switch_care_mode

VARIANTS = [pytest.param(True, id="phone"), pytest.param(False, id="nojs-care")]


@pytest.mark.parametrize("js", VARIANTS)
def test_an_elder_signs_in_reads_her_coins_and_prints_the_passbook(district, journey, js):
    elder = journey(f"elder-{'phone' if js else 'nojs-care'}", js=js)
    page = elder.page
    page.goto("/login/")
    elder.check("sign-in", care=False)
    if not js:
        switch_care_mode(elder)
        elder.check("sign-in-care-mode", care=True)
    sign_in(elder, FEATURED_ELDER[0])
    expect(page.get_by_role("heading", level=1)).to_contain_text("王秀英")
    elder.check("home", care=not js)

    page.get_by_role("link", name="我的时间币和存折").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("我的时间币")
    expect(page.locator(".balance-big")).to_have_text("10 小时")  # the hardship grant of the demo
    expect(page.locator("table.passbook")).to_contain_text("补助")
    elder.check("coins", care=not js)

    printed = page.context.request.get(page.get_by_role("link", name="打印存折").get_attribute("href"))
    assert printed.ok and printed.headers["content-type"] == "application/pdf"
    assert printed.body().startswith(b"%PDF")

    if js:  # with JavaScript the same switch works too; the guide shows both looks
        switch_care_mode(elder)
        expect(page.locator(".balance-big")).to_have_text("10 小时")
        elder.check("coins-care-mode", care=True)
    else:
        expect(page.locator("#read-aloud")).to_be_hidden()  # it needs JavaScript to speak


def test_the_elder_reads_what_she_paid_for_and_what_is_set_aside_in_her_passbook(district, clock, journey):
    """Her coins at work: a visit she paid for with her coins (served and confirmed) is a line naming the
    service and its time, and a visit booked for tomorrow shows as set aside, not yet spent."""
    import datetime as dt

    from timebank.demands.models import ServiceType
    from timebank.demands.services import (
        assignment_check_in,
        assignment_check_out,
        assignment_confirm,
        demand_claim,
        demand_create,
    )
    from timebank.devdata.district import FEATURED_VOLUNTEER, _station_index, station_staff_mobile
    from timebank.ledger.services import member_account
    from timebank.people.models import Person

    elder = Person.objects.get(mobile=FEATURED_ELDER[0])
    volunteer = Person.objects.get(mobile=FEATURED_VOLUNTEER[0])
    clerk = Person.objects.get(mobile=station_staff_mobile(_station_index("wujiaochang", 1)))
    visit = ServiceType.objects.get(bank=elder.bank, code="chat_visit")
    start = clock.now.replace(minute=30)
    served = demand_create(actor=clerk, station=elder.node, elder=elder, service_type=visit, starts_at=start,
                           ends_at=start + dt.timedelta(hours=1), payer="elder", publish=True)
    assignment = demand_claim(actor=volunteer, demand=served)
    clock.at(start)
    assignment = assignment_check_in(actor=volunteer, assignment=assignment, station_code=elder.node.code)
    clock.advance(minutes=60)
    assignment = assignment_check_out(actor=volunteer, assignment=assignment)
    assignment_confirm(actor=elder, assignment=assignment, rating=5)
    held_before = member_account(elder).pending  # the demo's own bookings (a supplier order) hold some too
    tomorrow = start + dt.timedelta(days=1)
    demand_create(actor=clerk, station=elder.node, elder=elder, service_type=visit, starts_at=tomorrow,
                  ends_at=tomorrow + dt.timedelta(hours=1), payer="elder", publish=True)
    held = member_account(elder).pending
    assert held == held_before + 60 and held % 60 == 0

    member = journey("elder-passbook")
    page = member.page
    page.goto("/login/")
    sign_in(member, FEATURED_ELDER[0])
    page.get_by_role("link", name="我的时间币和存折").click()
    expect(page.locator(".balance-big")).to_have_text("9 小时")  # 10 granted, 1 spent
    expect(page.locator("dl.facts").first).to_contain_text(f"已预约服务暂扣{held // 60} 小时")
    paid = page.locator("table.passbook tbody tr", has_text="聊天慰问")
    expect(paid).to_have_count(1)
    expect(paid).to_contain_text(f"{start:%m-%d %H:%M}")
    expect(paid).to_contain_text("−1 小时")
    member.check("paid-and-set-aside")
