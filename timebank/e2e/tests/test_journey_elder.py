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
