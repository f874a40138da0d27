import pytest

from timebank.suppliers import selectors, services
from timebank.suppliers.models import ScoreEvent


def test_scores_cross_warn_suspend_and_exit_thresholds(sw):
    w = sw
    s = w.supplier
    assert services.score_apply(supplier=s, reason="missed", delta=-15) == 85
    assert services.score_apply(supplier=s, reason="missed", delta=-10) == 75  # below 80: warned
    s.refresh_from_db()
    assert s.status == "admitted"
    services.score_apply(supplier=s, reason="missed", delta=-20)  # 55: below 60 → suspended
    s.refresh_from_db()
    assert s.status == "suspended" and s.exit_proposed_at is None
    services.score_apply(supplier=s, reason="missed", delta=-20)  # 35: below 40 → exit proposed
    s.refresh_from_db()
    assert s.exit_proposed_at is not None
    value, events = selectors.score_history(s)
    assert value == 35 and [e.value_after for e in events] == [85, 75, 55, 35]


def test_a_rating_moves_the_score_once_per_order(sw):
    w = sw
    from .test_orders import book

    order = book(w, payment="cash")
    services.order_accept(actor=w.supplier_staff, order=order)
    services.order_done(actor=w.supplier_staff, order=order)
    services.order_confirm(actor=w.proxy, order=order, rating=1)
    assert selectors.current_score(w.supplier) == 95
    services.score_apply(supplier=w.supplier, reason="rating", delta=-5, link=order)
    assert selectors.current_score(w.supplier) == 95
    assert ScoreEvent.objects.filter(link_id=str(order.pk)).count() == 1


def test_a_commendation_adds_the_banks_value_and_bank_rules_change_it(sw):
    w = sw
    services.supplier_rules_set(actor=w.bank_admin, bank=w.bank, score_commendation=8)
    assert services.commendation_add(actor=w.bank_admin, supplier=w.supplier, note="表扬信") == 108
    ranking = selectors.ranking(w.bank_admin)
    assert ranking[0] == (w.supplier, 108)


def test_thresholds_must_go_down(sw):
    from timebank.lib.errors import InvalidInput

    with pytest.raises(InvalidInput):
        services.supplier_rules_set(actor=sw.bank_admin, bank=sw.bank, warn_below=50, suspend_below=60)


def test_the_rules_page_puts_new_rules_in_force(sw, client):
    w = sw
    client.force_login(w.bank_admin)
    assert client.get("/suppliers/rules/").status_code == 200
    from timebank.suppliers.forms import SupplierRulesForm

    data = {f: getattr(selectors.supplier_rules_for(w.bank), f) for f in SupplierRulesForm._meta.fields}
    data["guarantee_hours"] = 12
    assert client.post("/suppliers/rules/", data).status_code == 302
    assert selectors.supplier_rules_for(w.bank).guarantee_hours == 12
    history = client.get("/suppliers/rules/").content.decode()
    assert history.count("<tr><td>") == 1 and w.bank_admin.name in history
    assert 'id="supplier-rules-link"' in client.get("/orgs/rules/").content.decode()
    client.force_login(w.branch_admin)
    assert client.get("/suppliers/rules/").status_code == 404


def test_a_proposed_exit_waits_in_the_admission_queue_for_a_bank_admin(sw, client):
    w = sw
    services.score_apply(supplier=w.supplier, reason="missed", delta=-70)
    client.force_login(w.bank_admin)
    page = client.get("/suppliers/admission/").content.decode()
    assert 'id="exit-proposals"' in page and w.supplier.name in page


def test_a_suppliers_score_and_members_points_have_different_chinese_words(sw, client):
    from django.utils import translation
    from django.utils.translation import gettext

    with translation.override("zh-hans"):
        assert gettext("Score") == "评分" and gettext("Points") == "积分"
    client.force_login(sw.bank_admin)
    page = client.get(f"/suppliers/{sw.supplier.pk}/score/").content.decode()
    main = page.split('<main', 1)[1].split("</main>", 1)[0]  # the menu has the points shop (积分兑换)
    assert "评分" in main and "积分" not in main
