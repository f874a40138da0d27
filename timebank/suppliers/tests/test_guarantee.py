
import pytest
from django.utils import timezone

from timebank.conftest import run_threads
from timebank.ledger import services as ledger
from timebank.ledger.models import AccountKind
from timebank.suppliers import selectors, services
from timebank.suppliers.exceptions import AlreadyTaken
from timebank.suppliers.models import GuaranteeOffer, SettlementLine

from .conftest import coin_demand, grant_coins, new_supplier


def test_an_unclaimed_redemption_is_offered_cheapest_best_first_and_settled(sw):
    w = sw
    dear = new_supplier(w, "贵的理发", price=5000, staff_mobile="13700000103")
    cheap = new_supplier(w, "便宜理发", price=2000, staff_mobile="13700000104")
    same_price = new_supplier(w, "便宜但差", price=2000)
    services.score_apply(supplier=same_price, reason="late", delta=-3)
    far = coin_demand(w, hours_ahead=48)
    demand = coin_demand(w)
    assert services.guarantee_offers_make() == 4
    assert services.guarantee_offers_make() == 0
    ranked = list(GuaranteeOffer.objects.filter(demand=demand).order_by("rank").values_list("supplier__name", flat=True))
    assert ranked == ["便宜理发", "便宜但差", "美发之家", "贵的理发"]
    assert not GuaranteeOffer.objects.filter(demand=far).exists()

    elder_account = ledger.member_account(w.elder)
    issuance = ledger.system_account(w.branch_a, AccountKind.ISSUANCE)
    issuance_before = issuance.balance
    offer = GuaranteeOffer.objects.get(demand=demand, supplier=cheap)
    order = services.guarantee_accept(actor=cheap.staff, offer=offer)
    with pytest.raises(AlreadyTaken):
        services.guarantee_accept(actor=dear.staff, offer=GuaranteeOffer.objects.get(demand=demand, supplier=dear))
    demand.refresh_from_db()
    elder_account.refresh_from_db()
    issuance.refresh_from_db()
    assert demand.status == "claimed"
    assert elder_account.balance == 600 - 60 - 0 and elder_account.available == 600 - 60 - 60  # `far` still held
    assert issuance.balance - issuance_before == 60
    line = SettlementLine.objects.get(order=order)
    assert (line.amount_fen, line.coin_minutes, line.supplier_id) == (2000, 60, cheap.pk)
    report = selectors.settlement(w.bank_admin, cheap, timezone.localdate())
    assert report["total_fen"] == 2000 and report["unpaid_fen"] == 2000
    assert selectors.guarantee_fund_exposure(w.bank) == 2000
    services.order_done(actor=cheap.staff, order=order)
    services.order_confirm(actor=w.station_staff, order=order, rating=5)
    demand.refresh_from_db()
    assert demand.status == "completed"
    services.settlement_mark_paid(actor=w.bank_admin, supplier=cheap, month=timezone.localdate())
    assert selectors.guarantee_fund_exposure(w.bank) == 0


def test_only_one_of_twenty_suppliers_wins_at_once(postgres_only, sw):
    w = sw
    grant_coins(w, w.elder, 100)
    rivals = [new_supplier(w, f"理发{i}", price=2000 + i, staff_mobile=f"137000002{i:02d}") for i in range(20)]
    demand = coin_demand(w)
    services.guarantee_offers_make()
    offers = {o.supplier_id: o for o in GuaranteeOffer.objects.filter(demand=demand)}
    results = run_threads(20, lambda i: services.guarantee_accept(actor=rivals[i].staff, offer=offers[rivals[i].pk]))
    assert sorted("lost" if isinstance(r, AlreadyTaken) else type(r).__name__ for r in results) == (
        ["SupplierOrder"] + ["lost"] * 19)
    assert SettlementLine.objects.filter(order__demand=demand).count() == 1
    assert ledger.member_account(w.elder).balance == 700 - 60
