"""No English word and no raw status code on a Chinese page: the pages members and station staff open
most, rendered in zh-Hans with real rows on them (a request, a complaint, a service, a supplier order),
read as a person reads them — the visible text, not the markup. The few Latin letters a Chinese page
may carry are listed (abbreviations Chinese offices use as they are)."""
import re
from html.parser import HTMLParser

import pytest

from timebank.complaints import services as complaints
from timebank.demands.models import ServiceType
from timebank.demands.tests.conftest import (
    demand_world,  # noqa: F401 - a fixture
    new_demand,
    serve,
)
from timebank.suppliers.tests.conftest import new_supplier

pytestmark = pytest.mark.django_db

# Letters a Chinese page may show: abbreviations used as they are, the language switch, units.
ALLOWED = {"API", "PDF", "QR", "ID", "IC", "CSV", "XLSX", "NFC", "USB", "GPS", "SMS", "English", "App", "km",
           "PIN", "VAPID", "Excel", "WCAG",
           "zxm", "hxy"}  # the pinyin initials the search boxes give as an example of what to type
WORD = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z_]+(?![A-Za-z0-9])")  # not inside a code like 91310110MA1G


class VisibleText(HTMLParser):
    """The text a person sees: no script, style or template element, plus alt, title, placeholder, aria-label."""

    HIDDEN = {"script", "style", "template", "svg"}

    def __init__(self):
        super().__init__()
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.skip += 1
        for name, value in attrs:
            if name in ("alt", "title", "placeholder", "aria-label") and value:
                self.parts.append(value)
            if tag == "input" and name == "value" and dict(attrs).get("type") in ("submit", "button") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def english_words(html: str) -> list[str]:
    main = html.split("<main", 1)[-1]
    parser = VisibleText()
    parser.feed("<main" + main)
    text = " ".join(parser.parts)
    text = re.sub(r"https?://\S+|\S+@\S+|[\w.-]+\.(pdf|csv|xlsx)\b", " ", text)  # addresses and file names
    return sorted({w for w in WORD.findall(text) if w not in ALLOWED})


def test_the_checker_finds_an_english_word_and_a_raw_status_code():
    assert english_words("<main><p>已接收 (filed)</p><p>Score</p><script>var x</script></main>") == ["Score", "filed"]
    assert english_words('<main><img alt="Map"><p>API 令牌 · PDF</p></main>') == ["Map"]


def pages_of(w, demand, complaint):
    return {
        "elder": ["/", "/ledger/", "/demands/requests/", f"/demands/{demand.pk}/", "/suppliers/complaints/mine/",
                  "/suppliers/complaints/new/", f"/suppliers/complaints/{complaint.pk}/", "/notices/",
                  "/demands/requests/new/", "/suppliers/orders/"],
        "proxy": ["/", f"/ledger/people/{w.elder.pk}/", "/demands/requests/", "/suppliers/orders/"],
        "volunteer": ["/", "/demands/feed/", "/demands/tasks/", "/demands/history/", "/demands/alerts/",
                      "/demands/offers/", "/teams/", "/training/", "/honours/record/", "/shop/", "/ledger/"],
        "station_staff": ["/", "/demands/board/", f"/demands/{demand.pk}/", "/demands/calendar/", "/notices/calls/",
                          "/suppliers/complaints/", f"/suppliers/complaints/{complaint.pk}/", "/people/",
                          "/health/", "/health/cards/", "/suppliers/", "/broadcasts/"],
        "branch_admin": ["/", "/health/", "/health/cards/", "/demands/overview/", "/stats/"],
    }


def test_member_and_station_pages_show_no_english_word(demand_world, client, clock):  # noqa: F811
    w = demand_world
    w.haircut = ServiceType.objects.get(bank=w.bank, code="haircut")
    w.supplier = new_supplier(w, "美发之家", staff_mobile="13700000101")
    demand = new_demand(w, latitude=None, longitude=None)
    serve(w, clock, new_demand(w), w.volunteer)
    complaint = complaints.complaint_file(actor=w.elder, subject="supplier", category="late",
                                          text="理发师迟到了一个小时", supplier=w.supplier)
    found = {}
    for role, urls in pages_of(w, demand, complaint).items():
        client.force_login(getattr(w, role))
        for url in urls:
            response = client.get(url, follow=True)
            if response.status_code != 200:
                found[f"{role} {url}"] = [f"HTTP {response.status_code}"]
                continue
            words = english_words(response.content.decode())
            if words:
                found[f"{role} {url}"] = words
    assert found == {}
