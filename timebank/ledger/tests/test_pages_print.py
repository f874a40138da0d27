"""The printed passbook: a PDF with an embedded CJK font and a QR code per page, and the public
page the QR code opens, which says whether the printed rows still match the ledger."""
import base64
import re
import zlib

from django.core import signing

from timebank.ledger import passbook_pdf, selectors, services
from timebank.ledger.models import Account


def qr_urls(pdf: bytes) -> list[str]:
    """The verification addresses printed under each QR code (in the page streams)."""
    urls = []
    for filters, stream in re.findall(rb"/Filter \[([^\]]*)\][^>]*>>\s*stream\r?\n(.*?)endstream", pdf, re.S):
        data = stream.strip()
        if b"ASCII85Decode" in filters:
            data = base64.a85decode(data.removesuffix(b"~>"))
        data = zlib.decompress(data)
        # The address is printed under the code, broken over two lines when long.
        parts = re.findall(rb"\(([^()]*)\) Tj", data)
        for i, part in enumerate(parts):
            if part.startswith(b"http"):
                url = part if part.endswith(b"/") else part + parts[i + 1]
                urls.append(url.decode())
    return urls


def test_the_passbook_prints_as_a_pdf_with_an_embedded_chinese_font(world, client, fund):
    for _ in range(3):
        fund(world.volunteer, 60)
    client.force_login(world.volunteer)
    response = client.get(f"/ledger/people/{world.volunteer.pk}/passbook.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    # A subset of WenQuanYi Micro Hei is embedded (reportlab names it PREFIX+WenQuanYiMicroHei).
    assert re.search(rb"/BaseFont /[A-Z]{6}\+WenQuanYiMicroHei", pdf)
    assert b"/FontFile2" in pdf


def test_the_qr_code_opens_a_page_that_says_the_rows_match(world, client, fund):
    for minutes in (60, 30, 90):
        fund(world.volunteer, minutes)
    client.force_login(world.volunteer)
    pdf = client.get(f"/ledger/people/{world.volunteer.pk}/passbook.pdf").content
    urls = qr_urls(pdf)
    assert urls, "every page carries its verification address"
    client.logout()  # the verification page is public
    path = urls[-1].split("127.0.0.1:8000", 1)[-1]
    page = client.get(path).content.decode()
    assert "打印的记录与账本一致" in page
    assert "李*愿" in page and "李志愿" not in page  # masked
    assert "3 小时" in page  # the balance after the last printed row


def test_a_tampered_token_does_not_match(world, client, fund):
    fund(world.volunteer, 60)
    account = services.member_account(world.volunteer)
    token = passbook_pdf.make_token(account=account, year=None, opening=0, lines=selectors.passbook(account)[1])
    head, sep, tail = token.rpartition(":")
    forged = head + sep + ("A" if tail[0] != "A" else "B") + tail[1:]
    page = client.get(f"/ledger/verify/{forged}/").content.decode()
    assert "打印的记录与账本不一致" in page and "不是时间银行生成的" in page
    # A genuine signature over numbers the ledger does not give (a later balance claimed) also fails.
    claim = signing.dumps({"a": account.pk, "y": 0, "o": 0, "n": 1, "l": 1, "b": 6000}, salt=passbook_pdf.TOKEN_SALT)
    page = client.get(f"/ledger/verify/{claim}/").content.decode()
    assert "打印的记录与账本不一致" in page


def test_a_year_passbook_token_covers_that_years_rows(world, client, fund, back_in):
    back_in(2024)
    fund(world.volunteer, 60)
    back_in(2025)
    fund(world.volunteer, 30)
    account = Account.objects.get(owner=world.volunteer, currency="time")
    client.force_login(world.volunteer)
    pdf = client.get(f"/ledger/people/{world.volunteer.pk}/passbook.pdf", {"year": 2024}).content
    path = qr_urls(pdf)[-1].split("127.0.0.1:8000", 1)[-1]
    claim = passbook_pdf.read_token(path.rstrip("/").rsplit("/", 1)[-1])
    assert (claim["a"], claim["y"], claim["n"], claim["b"]) == (account.pk, 2024, 1, 60)
    assert "打印的记录与账本一致" in client.get(path).content.decode()


def test_in_production_a_passbook_is_refused_until_the_public_address_is_set(world, client, fund, settings):
    fund(world.volunteer, 60)
    client.force_login(world.volunteer)
    settings.PUBLIC_URL_REQUIRED = True  # as in production
    for unset in ("", "http://127.0.0.1:8000", "http://localhost"):
        settings.PUBLIC_BASE_URL = unset
        refused = client.get(f"/ledger/people/{world.volunteer.pk}/passbook.pdf")
        assert refused.status_code == 503 and "TIMEBANK_PUBLIC_URL" in refused.content.decode()
    settings.PUBLIC_BASE_URL = "https://timebank.yangpu.example.cn"
    printed = client.get(f"/ledger/people/{world.volunteer.pk}/passbook.pdf")
    assert printed.status_code == 200
    assert all(url.startswith("https://timebank.yangpu.example.cn/") for url in qr_urls(printed.content))
