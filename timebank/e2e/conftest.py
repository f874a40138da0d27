"""One Chromium per test session, a fresh phone-sized browser context per journey, the demo district
as data. Without the browser or axe-core the tests skip, except under CI=true where that fails."""
import datetime as dt
import importlib.util
import os

import pytest
from django.conf import settings
from django.utils import timezone

from timebank.conftest import Clock
from timebank.devdata.district import DEMO_PASSWORD, seed_demo_district

from .browser import AXE, CHROMIUM, PHONE, Journey

LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def pytest_collection_modifyitems(config, items):
    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.e2e)
            if on_postgres:
                item.add_marker(pytest.mark.skip(
                    reason="browser tests run in the SQLite pass of make test (the pages are the same on both)"))


def _missing() -> list[str]:
    missing = []
    if importlib.util.find_spec("playwright") is None:
        missing.append("the playwright package (pip install -r requirements.txt)")
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium; make test installs it)")
    if not AXE.exists():
        missing.append(f"{AXE.relative_to(settings.BASE_DIR)} (npm ci; make test runs it)")
    return missing


@pytest.fixture(scope="session")
def browser():
    missing = _missing()
    if missing:
        message = "browser tests need " + ", ".join(missing)
        if os.environ.get("CI") == "true":
            pytest.fail(message + " — CI=true requires them", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; the ORM calls the tests make
    # between browser steps are still plain synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
    yield chromium
    chromium.close()
    playwright.stop()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def journey(browser, live_server):
    """journey(name, js=True, geolocation=None): a new phone-sized context (its own cookies) and page on the live server."""
    contexts = []

    def start(name: str, *, js: bool = True, init_script: str | None = None,
              geolocation: tuple[float, float] | None = None) -> Journey:
        where = {"geolocation": {"latitude": geolocation[0], "longitude": geolocation[1]},
                 "permissions": ["geolocation"]} if geolocation else {}
        context = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="zh-CN",
                                      java_script_enabled=js, reduced_motion="no-preference", **where)
        context.set_default_timeout(10_000)
        if init_script:
            context.add_init_script(init_script)
        contexts.append(context)
        return Journey(page=context.new_page(), name=name, js=js)

    yield start
    for context in contexts:
        context.close()


@pytest.fixture
def district(transactional_db):
    """The demo district of `seed_demo` (王秀英 the elder, 张丽娟 the proxy, station staff ...)."""
    seed_demo_district()


def sign_in(journey: Journey, mobile: str, password: str = DEMO_PASSWORD) -> None:
    page = journey.page
    page.get_by_label("手机号").fill(mobile)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_load_state("load")


def switch_care_mode(journey: Journey) -> None:
    """The one-click switch in the header: a plain form post, with or without JavaScript."""
    journey.page.locator(".care-switch button").click()
    journey.page.wait_for_load_state("load")


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """Tomorrow 09:00 in Shanghai: later than anything the demo district wrote with the real clock
    (rows stamped by model defaults keep the real time), and a whole morning before midnight."""
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    server_clock = Clock(timezone.make_aware(dt.datetime.combine(tomorrow, dt.time(9, 0))))
    monkeypatch.setattr(timezone, "now", server_clock)
    return server_clock
