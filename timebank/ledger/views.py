"""Ledger pages: a member's coins and passbook (also for a proxy or staff), the printed passbook and
its public check, gifts and donations, staff grants and corrections with four eyes, the bank's
liability report and the auditors' view of the hash chain."""
import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from timebank.audit.idempotency import run_idempotent
from timebank.audit.rate_limit import rate_limited
from timebank.ledger.models import LedgerRules
from timebank.lib.errors import NotFound
from timebank.lib.pages import (
    csv_download,
    page_of,
    pdf_inline,
    query_without,
    refusals_shown_on,
    run_and_report,
    signed_in_page,
    signed_in_post,
    verification_page,
)
from timebank.orgs.models import Node, NodeKind
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm
from timebank.people.selectors import can_act_for

from . import chain, display, passbook_pdf, selectors, services
from .forms import CorrectionForm, DonationForm, GiftForm, GrantForm
from .models import Account, Currency, Seal

AMOUNT_FIELDS = {"insufficient_balance": "hours", "amount_invalid": "hours", "limit_exceeded": "hours",
                 "gift_not_allowed": "recipient", "gift_to_self": "recipient", "gift_to_actor": "recipient",
                 "other_bank": "recipient",
                 "reason_required": "reason", "correction_too_large": "hours"}


# ---- a member's coins and passbook -------------------------------------------------------------

def _owner(request, pk: int | None):
    return request.user if pk is None else selectors.ledger_owner_get(request.user, pk)


def _branch_of(person) -> Node | None:
    node = person.node
    if node is None:
        return None
    if node.kind == NodeKind.STATION:
        return node.parent
    return node if node.kind == NodeKind.BRANCH else None


def _year(request, years: list[int]) -> int | None:
    """The year asked for; by default the newest year with movements; `all` for every year."""
    raw = request.GET.get("year", "")
    if raw == "all":
        return None
    if raw.isdigit() and int(raw) in years:
        return int(raw)
    return years[0] if years else None


def _currency(request) -> str:
    return Currency.POINTS if request.GET.get("currency") == Currency.POINTS else Currency.TIME


@signed_in_page
def coins(request, pk: int | None = None):
    actor = request.user
    owner = _owner(request, pk)
    if pk is not None and owner.pk == actor.pk:
        return redirect("ledger:mine")
    accounts = selectors.accounts_of(owner)
    currency = _currency(request)
    account = accounts[currency]
    # A member who moved to another district keeps the old bank's passbook (`?former=<account>`).
    former = [a for a in selectors.former_accounts(owner) if a.currency == currency]
    shown_former = next((a for a in former if str(a.pk) == request.GET.get("former")), None)
    if shown_former is not None:
        account = shown_former
    totals = selectors.passbook_year_totals(account)
    years = selectors.passbook_years(account, totals)
    year = _year(request, years)
    opening, lines = selectors.passbook(account, year=year, totals=totals)
    node = owner.node
    context = {
        "owner": owner, "is_self": owner.pk == actor.pk,
        "acting_for": owner.pk != actor.pk and selectors.is_proxy_for(actor, owner),
        "time": accounts[Currency.TIME], "points": accounts[Currency.POINTS], "currency": currency,
        "account": account, "years": years, "year": year, "opening": opening,
        "closing": lines[-1].balance if lines else opening,
        "page": page_of(request, lines[::-1]), "query": query_without(request, "page"),
        "can_spend": can_act_for(actor, owner),
        "can_grant": node is not None and has_perm(actor, Perm.LEDGER_GRANT, node),
        "can_correct": node is not None and has_perm(actor, Perm.LEDGER_CORRECT, node),
        "pdf_query": query_without(request, "page"),
        "former_accounts": former, "shown_former": shown_former,
        "federated": bool(settings.FEDERATION_NAME and settings.FEDERATION_KEY) and owner.bank is not None,
        "other_banks": owner.bank is not None and Node.objects.filter(
            kind=NodeKind.BANK, parent_id=owner.bank.parent_id, is_closed=False).exclude(pk=owner.bank_id).exists(),
    }
    return render(request, "ledger/coins.html", context)


@signed_in_page
def passbook_print(request, pk: int | None = None):
    owner = _owner(request, pk)
    account = selectors.accounts_of(owner)[_currency(request)]
    totals = selectors.passbook_year_totals(account)
    year = _year(request, selectors.passbook_years(account, totals))
    opening, lines = selectors.passbook(account, year=year, totals=totals)
    branch = _branch_of(owner)
    pdf = passbook_pdf.render(passbook_pdf.PassbookDocument(
        bank=owner.bank.name if owner.bank else "", branch=branch.name if branch else "",
        station=owner.node.name if owner.node and owner.node.kind == NodeKind.STATION else "",
        member=owner.name, id_masked=owner.id_masked or "", period=passbook_pdf.period_label(year),
        account=account, year=year, opening=opening, lines=lines, currency=account.currency))
    return pdf_inline(pdf, f'passbook-{owner.pk}-{year or "all"}.pdf')


@never_cache
@rate_limited("verify", methods=("GET",))
def passbook_verify(request, token: str):
    """Public (no sign-in): does the ledger still give the rows a printed page claims?"""
    return verification_page(request, "ledger/verify.html", passbook_pdf.read_token, token, _passbook_check)


def _passbook_check(claim: dict) -> dict | None:
    account = Account.objects.select_related("owner__node__parent", "bank").filter(pk=claim["a"]).first()
    if account is None or account.owner is None:
        return None
    opening, lines = selectors.passbook(account, year=claim["y"] or None)
    count = claim["n"]
    rows = lines[:count]
    if count == 0:
        matches = opening == claim["o"] == claim["b"]
    else:
        matches = (len(lines) >= count and opening == claim["o"] and rows[-1].transfer.pk == claim["l"]
                   and rows[-1].balance == claim["b"])
    last_seal = Seal.objects.filter(transfer_id=claim["l"]).first() if claim["l"] else None
    owner = account.owner
    branch = _branch_of(owner)
    return {
        "matches": matches, "claim": claim, "currency": account.currency,
        "bank": account.bank.name, "branch": branch.name if branch else "",
        "member": display.mask_name(owner.name), "id_masked": owner.id_masked,
        "period": passbook_pdf.period_label(claim["y"] or None), "seal": last_seal,
        "later_rows": len(lines) - count if matches else 0,
    }


# ---- gifts and donations ---------------------------------------------------------------------

def _spender(request, pk: int | None):
    owner = _owner(request, pk)
    if not can_act_for(request.user, owner):
        raise NotFound()
    return owner


def _confirm_or_post(request, form, *, template: str, context: dict, post):
    """Step 1 shows the filled form; step 2 (`confirm`) posts. Either way, a resubmit carries the
    same key, so the service returns the first transfer instead of posting again."""
    if request.method == "POST" and form.is_valid():
        if request.POST.get("step") == "confirm":
            with refusals_shown_on(form, AMOUNT_FIELDS):
                return post(form.cleaned_data)
        elif request.POST.get("step") == "review":
            context["confirming"] = True
    context["form"] = form
    return render(request, template, context, status=422 if form.errors else 200)


@signed_in_page
def gift(request, pk: int | None = None):
    actor = request.user
    sender = _spender(request, pk)
    rules = LedgerRules.in_force(sender.bank)
    # Whoever acts for the sender cannot give the sender's coins to themselves: not offered either.
    relatives = [p for p in selectors.gift_recipients(sender) if p.pk != actor.pk]
    any_member = rules.gift_recipients == "any"
    form = GiftForm(request.POST or None, relatives=relatives, any_member=any_member)
    context = {"owner": sender, "acting_for": sender.pk != actor.pk, "relatives": relatives, "any_member": any_member,
               "time": selectors.accounts_of(sender)[Currency.TIME], "gift_max": rules.gift_max_minutes}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        recipient = next((p for p in relatives if p.pk == data.get("recipient")), None)
        if recipient is None and data.get("mobile"):
            try:
                recipient = selectors.member_by_mobile(sender.bank_id, data["mobile"])
            except NotFound:
                form.add_error("mobile", _("Nobody with this mobile number is a member of this bank."))
        context["recipient"] = recipient
        context["recipient_shown"] = recipient and (recipient.name if recipient in relatives
                                                    else display.mask_name(recipient.name))

    def post(data):
        return services.gift_send(actor=actor, sender=sender, recipient=context["recipient"],
                                  amount=data["minutes_total"], memo=data.get("memo", ""),
                                  idempotency_key=f"page:{actor.pk}:{data['key']}")

    result = _confirm_or_post(request, form, template="ledger/gift.html", context=context, post=post)
    if isinstance(result, HttpResponse):
        return result
    messages.success(request, _("%(amount)s sent to %(name)s.") % {
        "amount": display.minutes_in_words(result.amount), "name": context["recipient_shown"]})
    return _back_to_coins(sender, actor)


@signed_in_page
def donate(request, pk: int | None = None):
    actor = request.user
    donor = _spender(request, pk)
    form = DonationForm(request.POST or None)
    context = {"owner": donor, "acting_for": donor.pk != actor.pk, "bank": donor.bank,
               "time": selectors.accounts_of(donor)[Currency.TIME]}

    def post(data):
        return services.donation_make(actor=actor, donor=donor, amount=data["minutes_total"], memo=data.get("memo", ""),
                                      idempotency_key=f"page:{actor.pk}:{data['key']}")

    result = _confirm_or_post(request, form, template="ledger/donate.html", context=context, post=post)
    if isinstance(result, HttpResponse):
        return result
    messages.success(request, _("Thank you. %(amount)s donated to the bank's pool.") % {
        "amount": display.minutes_in_words(result.amount)})
    return _back_to_coins(donor, actor)


def _back_to_coins(owner, actor):
    return redirect("ledger:mine") if owner.pk == actor.pk else redirect("ledger:coins", pk=owner.pk)


# ---- staff: grants and corrections -------------------------------------------------------------

@signed_in_page
def grant(request, pk: int):
    actor = request.user
    elder = selectors.ledger_owner_get(actor, pk)
    if elder.node is None or not has_perm(actor, Perm.LEDGER_GRANT, elder.node):
        raise NotFound()
    form = GrantForm(request.POST or None)
    context = {"owner": elder, "time": selectors.accounts_of(elder)[Currency.TIME]}

    def post(data):
        return services.grant_make(actor=actor, elder=elder, amount=data["minutes_total"], source=data["source"],
                                   reason=data["reason"], idempotency_key=f"page:{actor.pk}:{data['key']}")

    result = _confirm_or_post(request, form, template="ledger/grant.html", context=context, post=post)
    if isinstance(result, HttpResponse):
        return result
    if result.transfer_id is None:
        messages.info(request, _("The grant of %(amount)s to %(name)s waits for a second admin to approve it.") % {
            "amount": display.minutes_in_words(result.amount), "name": elder.name})
    else:
        messages.success(request, _("%(amount)s granted to %(name)s.") % {
            "amount": display.minutes_in_words(result.amount), "name": elder.name})
    return redirect("ledger:coins", pk=elder.pk)


@signed_in_page
def correction_new(request, pk: int):
    actor = request.user
    transfer = selectors.transfer_for_correction(actor, pk)
    points = transfer.currency == Currency.POINTS
    form = CorrectionForm(request.POST or None, points=points)
    owner = transfer.credit.owner or transfer.debit.owner
    context = {"transfer": transfer, "owner": owner, "requests": selectors.corrections_of(transfer),
               "threshold": LedgerRules.in_force(transfer.bank).correction_approval_minutes}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def perform():
            request_ = services.correction_request(actor=actor, original=transfer, amount=data["minutes_total"] or None,
                                                   reason=data["reason"])
            return 201, {"id": request_.pk, "posted": request_.transfer_id is not None}

        with refusals_shown_on(form, AMOUNT_FIELDS):
            with transaction.atomic():
                _status, body = run_idempotent(actor=actor, key=f"ledger.correction:{data['key']}",
                                               operation="ledger.correction_request",
                                               payload={"transfer": transfer.pk, "amount": data["minutes_total"],
                                                        "reason": data["reason"]}, perform=perform)
            if body["posted"]:
                messages.success(request, _("The correction is posted."))
            else:
                messages.info(request, _("The correction waits for a second admin to approve it."))
            return redirect("ledger:coins", pk=owner.pk) if owner else redirect("ledger:corrections")
    context["form"] = form
    context.update(_transfer_sides(transfer))
    return render(request, "ledger/correction_new.html", context, status=422 if form.errors else 200)


def _transfer_sides(transfer) -> dict:
    def name(account):
        return account.owner.name if account.owner_id else f"{account.node.name} · {account.get_kind_display()}"

    return {"debit_name": name(transfer.debit), "credit_name": name(transfer.credit)}


@login_required
def corrections(request):
    actor = request.user
    if not has_perm(actor, Perm.LEDGER_CORRECT):
        raise Http404()
    pending = selectors.corrections_pending(actor)
    rows = [(r, _transfer_sides(r.original)) for r in page_of(request, pending)]
    return render(request, "ledger/corrections.html", {"page": page_of(request, pending), "rows": rows,
                                                       "grants": selectors.grants_pending(actor)[:200]})


def _four_eyes(request, pk: int, fetch, decide, approved: str, rejected: str):
    """A second admin approves or rejects a request (a grant, a correction) on the corrections page."""
    actor = request.user
    item = fetch(actor, pk)
    approve = request.POST.get("decision") == "approve"
    run_and_report(request, lambda: decide(actor=actor, request=item, approve=approve), approved if approve else rejected)
    return redirect("ledger:corrections")


@signed_in_post
def grant_decide(request, pk: int):
    return _four_eyes(request, pk, selectors.grant_request_get, services.grant_decide,
                      _("The grant is approved and posted."), _("The grant is rejected; nothing was posted."))


@signed_in_post
def correction_decide(request, pk: int):
    return _four_eyes(request, pk, selectors.correction_get, services.correction_decide,
                      _("The correction is approved and posted."), _("The correction is rejected; nothing was posted."))


# ---- bank reports ----------------------------------------------------------------------------

def _bank(request, perm: str = Perm.LEDGER_VIEW) -> tuple[Node, list[Node]]:
    banks = selectors.banks_reached(request.user, perm)
    if not banks:
        raise Http404()
    raw = request.GET.get("bank") or request.POST.get("bank") or ""
    chosen = next((b for b in banks if str(b.pk) == raw), banks[0])
    return chosen, banks


LIABILITY_COLUMNS = ("earned", "granted", "redeemed", "donated", "gifted", "corrected")


def _liability_labels() -> dict[str, str]:
    return {"earned": _("Earned by service"), "granted": _("Granted"), "redeemed": _("Redeemed"),
            "donated": _("Donated"), "gifted": _("Gifted between members"), "corrected": _("Corrected")}


@signed_in_page
def liability(request):
    bank, banks = _bank(request)
    report = selectors.liability_report(request.user, bank)
    fmt = request.GET.get("format")
    if fmt == "csv":
        return _liability_csv(report)
    if fmt == "xlsx":
        return _liability_xlsx(report)
    return render(request, "ledger/liability.html", {
        "report": report, "bank": bank, "banks": banks,
        "columns": [(c, _liability_labels()[c]) for c in LIABILITY_COLUMNS],
        "query": query_without(request, "format"),
    })


def _liability_rows(report: dict) -> tuple[list, list, list, list]:
    labels = _liability_labels()
    branch_head = [_("Branch"), _("Outstanding (hours)"), _("Held (hours)"), _("Outstanding (minutes)")]
    branch_rows = [[b["branch"], b["outstanding"], b["held"], b["outstanding"]] for b in report["branches"]]
    branch_rows.append([_("All branches"), report["outstanding"], sum(b["held"] for b in report["branches"]),
                        report["outstanding"]])
    year_head = [_("Year")] + [f"{labels[c]} ({_('hours')})" for c in LIABILITY_COLUMNS]
    year_rows = [[y["year"]] + [y[c] for c in LIABILITY_COLUMNS] for y in report["years"]]
    return branch_head, branch_rows, year_head, year_rows


def _liability_csv(report: dict):
    branch_head, branch_rows, year_head, year_rows = _liability_rows(report)

    def rows():
        for row in branch_rows:
            yield [row[0], display.hours_decimal(row[1]), display.hours_decimal(row[2]), row[3]]
        yield []
        yield year_head
        for row in year_rows:
            yield [row[0]] + [display.hours_decimal(v) for v in row[1:]]
        yield []
        yield [_("Donation pool (hours)"), display.hours_decimal(report["pool"])]
        yield []
        yield from _guarantee_rows(report)

    return csv_download("liability.csv", branch_head, rows())


def _guarantee_rows(report: dict, *, sheet: bool = False) -> list[list]:
    """The guarantee fund's exposure: owed to suppliers now, paid, and still offered. Yuan and hours
    as text for CSV, as numbers (formatted by the cell) for the spreadsheet."""
    g = report["guarantee"]

    def yuan(fen: int):
        return fen / 100 if sheet else f"{fen // 100}.{fen % 100:02d}"

    def hours(minutes: int):
        return minutes / 60 if sheet else display.hours_decimal(minutes)

    return [
        [_("Guarantee fund"), _("Yuan"), _("Orders or requests"), _("Coins redeemed (hours)")],
        [_("Owed to suppliers, not yet paid"), yuan(g["owed_fen"]), g["owed_orders"], hours(g["owed_minutes"])],
        [_("Paid to suppliers"), yuan(g["paid_fen"]), g["paid_orders"], hours(g["paid_minutes"])],
        [_("Offered to suppliers, not yet taken (cheapest price)"), yuan(g["offered_fen"]), g["offered_requests"], ""],
    ]


def _liability_xlsx(report: dict):
    from openpyxl.styles import Font

    from timebank.lib.xlsx import EscapingWorkbook

    branch_head, branch_rows, year_head, year_rows = _liability_rows(report)
    book = EscapingWorkbook()
    sheet = book.active
    sheet.title = _("By branch")[:31]
    sheet.append([_("Coins outstanding — %(bank)s") % {"bank": report["bank"]}])
    sheet.append([_("Made %(when)s; 1 hour = 1 time coin.") % {
        "when": timezone.localtime().strftime("%Y-%m-%d %H:%M")}])
    sheet.append(branch_head)
    for row in branch_rows:
        # Hours as exact fractions of minutes: the spreadsheet shows them to two decimals.
        sheet.append([row[0], row[1] / 60, row[2] / 60, row[3]])
    sheet.append([_("Donation pool (hours)"), report["pool"] / 60, None, report["pool"]])
    for cells in sheet.iter_rows(min_row=4, min_col=2, max_col=3):
        for cell in cells:
            cell.number_format = "#,##0.00"
    years = book.create_sheet(_("By year")[:31])
    years.append(year_head)
    for row in year_rows:
        years.append([row[0]] + [v / 60 for v in row[1:]])
    for cells in years.iter_rows(min_row=2, min_col=2):
        for cell in cells:
            cell.number_format = "#,##0.00"
    fund = book.create_sheet(_("Guarantee fund")[:31])
    for row in _guarantee_rows(report, sheet=True):
        fund.append(row)
    for cells in fund.iter_rows(min_row=2, min_col=2, max_col=4):
        for cell in cells:
            cell.number_format = "#,##0.00" if cell.column != 3 else "0"
    for ws in (sheet, years, fund):
        for cell in ws[3 if ws is sheet else 1]:
            cell.font = Font(bold=True)
        ws.column_dimensions["A"].width = 24
        for letter in "BCDEFG":
            ws.column_dimensions[letter].width = 18
    fund.column_dimensions["A"].width = 44
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="liability.xlsx"'
    return response


def _audit_bank(request) -> tuple[Node, list[Node]]:
    bank, banks = _bank(request)
    try:
        return selectors.audit_bank_get(request.user, bank.pk), banks
    except NotFound:
        raise Http404() from None


@login_required
def chain_heads(request):
    bank, banks = _audit_bank(request)
    report = None
    if request.method == "POST":
        report = chain.verify(bank.pk)
    return render(request, "ledger/chain.html", {
        "bank": bank, "banks": banks, "heads": chain.chain_heads_by_day(bank.pk), "report": report,
        "unsealed": selectors.unsealed_count(bank),
    })
