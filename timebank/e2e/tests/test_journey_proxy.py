"""The proxy's journey (张丽娟, daughter of two elders without phones): sign in, switch to the elder she
helps, see their coins under the banner "为 … 办理", donate coins for them, and find that the gift page
never offers their coins to herself — on a phone, once with JavaScript and once without it in care mode."""
import pytest
from playwright.sync_api import expect

from timebank.devdata.district import FEATURED_PROXY, _branch_index, branch_admin_mobile
from timebank.e2e.conftest import sign_in, switch_care_mode
from timebank.ledger.services import grant_make
from timebank.people.models import Person
from timebank.people.selectors import elders_acted_for

VARIANTS = [pytest.param(True, id="phone"), pytest.param(False, id="nojs-care")]


def helped_elder_with_three_hours() -> Person:
    proxy = Person.objects.get(mobile=FEATURED_PROXY[0])
    elder = elders_acted_for(proxy).order_by("pk").first()
    branch_admin = Person.objects.get(mobile=branch_admin_mobile(_branch_index("wujiaochang")))
    grant = grant_make(actor=branch_admin, elder=elder, amount=180, source="issuance", reason="高龄独居老人补助")
    assert grant.transfer is not None
    return elder


@pytest.mark.parametrize("js", VARIANTS)
def test_a_proxy_acts_for_her_mother_under_a_clear_banner(district, journey, js):
    elder = helped_elder_with_three_hours()
    proxy = journey(f"proxy-{'phone' if js else 'nojs-care'}", js=js)
    page = proxy.page
    page.goto("/login/")
    if not js:
        switch_care_mode(proxy)
    sign_in(proxy, FEATURED_PROXY[0])
    expect(page.get_by_role("heading", name="我代办的老人")).to_be_visible()
    proxy.check("home", care=not js)

    page.get_by_role("link", name=f"{elder.name} 的时间币").click()
    expect(page.locator(".acting-banner")).to_have_text(f"为 {elder.name} 办理")
    expect(page.locator(".balance-big")).to_have_text("3 小时")
    proxy.check("elder-coins", care=not js)

    page.get_by_role("link", name="捐赠时间币").click()
    expect(page.locator(".acting-banner")).to_have_text(f"为 {elder.name} 办理")
    proxy.check("donate", care=not js)
    page.get_by_label("小时").fill("1")
    page.get_by_role("button", name="下一步：核对").click()
    expect(page.locator(".confirm-line")).to_contain_text("1 小时")
    proxy.check("donate-check", care=not js)
    page.get_by_role("button", name="确定捐赠").click()
    expect(page.locator(".message.success")).to_contain_text("1 小时")
    expect(page.locator(".balance-big")).to_have_text("2 小时")

    page.get_by_role("link", name="转赠给家人").click()
    expect(page.locator(".acting-banner")).to_have_text(f"为 {elder.name} 办理")
    # She is the registered daughter, but whoever spends an elder's coins never gives them to herself.
    expect(page.get_by_label(FEATURED_PROXY[1])).to_have_count(0)
    proxy.check("gift", care=not js)
    page.get_by_role("link", name="返回时间币").click()
    expect(page.locator(".balance-big")).to_have_text("2 小时")
    proxy.check("elder-coins-after", care=not js)
