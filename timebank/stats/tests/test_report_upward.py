"""The monthly report as a street office sends it upward: issuer and recipient, 截至 the day it was
made, the 制表人/审核人 block, and the month's complaints and health alerts beside the service figures."""

import pytest
from django.utils import timezone

from timebank.complaints import services as complaints
from timebank.stats.report_extras import report_extras
from timebank.tests.printed import pdf_text

pytestmark = pytest.mark.django_db


def test_the_report_names_issuer_recipient_and_makers_block(stats_world, client):
    w = stats_world
    client.force_login(w.branch_admin)
    client.cookies["django_language"] = "en"
    month = w.service_day.strftime("%Y-%m")
    pdf = client.get(f"/stats/report.pdf?node={w.branch_a.pk}&month={month}").content
    text = pdf_text(pdf)
    assert "Issued by: 五角场街道" in text and "To: 杨浦区" in text
    assert f"As of {timezone.localdate():%Y-%m-%d}" in text
    assert f"Made by: {w.branch_admin.name}" in text and "Reviewed by:" in text
    assert "Complaints filed" in text and "Health alerts closed" in text


def test_the_months_complaints_are_counted_in_the_units_subtree(stats_world):
    w = stats_world
    complaint = complaints.complaint_file(actor=w.elder, subject="volunteer", volunteer=w.volunteer,
                                          category="late", text="迟到半小时")
    day = timezone.localtime(complaint.created_at).date()  # the month it was filed in, whatever the clock
    mine = report_extras(w.branch_a, day.replace(day=1), day)
    theirs = report_extras(w.branch_b, day.replace(day=1), day)
    assert mine["complaints"]["filed"] == 1 and mine["complaints"]["open_at_end"] == 1
    assert theirs["complaints"]["filed"] == 0
