"""A supplier's monthly settlement: the page, its XLSX, and marking the month paid."""
import datetime as dt
import io

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from timebank.lib.pages import signed_in_page

from .. import selectors, services


def _fen(value: int) -> str:
    return f"{value / 100:.2f}"


def _month(request) -> dt.date:
    raw = request.GET.get("month", "")
    try:
        return dt.datetime.strptime(raw, "%Y-%m").date()
    except ValueError:
        return timezone.localdate().replace(day=1)


@signed_in_page
def settlement(request, supplier_id: int):
    supplier = selectors.supplier_get(request.user, supplier_id)
    month = _month(request)
    if request.method == "POST":
        services.settlement_mark_paid(actor=request.user, supplier=supplier, month=month)
        messages.success(request, _("Marked as paid."))
        return redirect(f"{request.path}?month={month:%Y-%m}")
    report = selectors.settlement(request.user, supplier, month)
    if request.GET.get("export") == "xlsx":
        from timebank.lib.xlsx import EscapingWorkbook

        book = EscapingWorkbook()
        sheet = book.active
        sheet.title = f"{month:%Y-%m}"
        sheet.append([str(_("Order")), str(_("Date")), str(_("Service")), str(_("Elder")), str(_("Coins (minutes)")),
                      str(_("Amount (yuan)")), str(_("Paid"))])
        for line in report["lines"]:
            sheet.append([line.order_id, timezone.localtime(line.order.starts_at).strftime("%Y-%m-%d %H:%M"),
                          line.order.service_type.name, line.order.elder.name, line.coin_minutes,
                          line.amount_fen / 100, "✓" if line.paid_at else ""])
        sheet.append(["", "", "", str(_("Total")), report["coin_minutes"], report["total_fen"] / 100, ""])
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(out.getvalue(),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="settlement-{supplier.pk}-{month:%Y-%m}.xlsx"'
        return response
    return render(request, "suppliers/settlement.html", {
        "supplier": supplier, "month": month, "report": report, "total": _fen(report["total_fen"]),
        "unpaid": _fen(report["unpaid_fen"]), "manage": selectors.may_manage(request.user, supplier),
        "exposure": _fen(selectors.guarantee_fund_exposure(supplier.bank))})
