"""Care mode (关怀模式) in the browser: one click, remembered on the device across signing out and in,
and a read-aloud button that speaks the main content through the browser's own speech synthesis."""
from playwright.sync_api import expect

from timebank.devdata.district import FEATURED_VOLUNTEER
from timebank.e2e.conftest import sign_in, switch_care_mode

# Records what would be spoken instead of speaking it: headless Chromium has no voices to hear.
RECORD_SPEECH = """
window.__spoken = [];
window.speechSynthesis.speak = (utterance) => window.__spoken.push({text: utterance.text, lang: utterance.lang});
"""
NO_SPEECH = "Object.defineProperty(window, 'speechSynthesis', {get: () => undefined, configurable: true});"


def test_care_mode_is_remembered_and_reads_the_page_aloud(district, journey):
    volunteer = journey("care-mode", init_script=RECORD_SPEECH)
    page = volunteer.page
    page.goto("/login/")
    switch_care_mode(volunteer)
    sign_in(volunteer, FEATURED_VOLUNTEER[0])
    volunteer.check("volunteer-home", care=True)

    page.get_by_role("link", name="我的时间币和存折").click()
    read = page.get_by_role("button", name="朗读")
    expect(read).to_be_visible()
    balance = page.locator(".balance-big").inner_text()
    read.click()
    spoken = page.evaluate("window.__spoken")
    assert len(spoken) == 1 and spoken[0]["lang"] == "zh-CN"
    assert "我的时间币" in spoken[0]["text"] and balance in spoken[0]["text"]
    assert "朗读" not in spoken[0]["text"]  # the button does not read itself
    expect(page.get_by_role("button", name="停止朗读")).to_be_visible()
    volunteer.check("volunteer-coins", care=True)

    page.get_by_role("button", name="退出登录").first.click()
    expect(page.locator("body")).to_have_class("member care-mode")  # the device remembers
    switch_care_mode(volunteer)
    expect(page.locator("body")).to_have_class("member")
    expect(page.get_by_role("button", name="朗读")).to_have_count(0)


def test_the_read_aloud_button_hides_where_the_browser_cannot_speak(district, journey):
    """(Without JavaScript it stays hidden too: the no-JavaScript journeys check that.)"""
    volunteer = journey("care-mode-silent", init_script=NO_SPEECH)
    page = volunteer.page
    page.goto("/login/")
    switch_care_mode(volunteer)
    sign_in(volunteer, FEATURED_VOLUNTEER[0])
    expect(page.locator("body")).to_have_class("member care-mode")
    expect(page.locator("#read-aloud")).to_be_hidden()
