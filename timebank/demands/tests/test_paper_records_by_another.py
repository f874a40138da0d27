"""Station staff who are also volunteers record no paper service for themselves: an elder-paid
request they published for the elder, left unconfirmed, would otherwise pay them the elder's coins
through the auto-confirmation, with no second person involved."""
import datetime as dt

from django.utils import timezone

from timebank.demands import services
from timebank.demands.models import Assignment
from timebank.ledger import services as ledger

from .conftest import grant_coins, new_demand


def test_staff_record_no_paper_service_for_themselves_on_an_elders_coins(demand_world, clock, client):
    w = demand_world
    staff = w.station_staff
    staff.is_volunteer, staff.volunteer_status, staff.volunteer_since = True, "approved", timezone.now()
    staff.save(update_fields=["is_volunteer", "volunteer_status", "volunteer_since"])
    grant_coins(w, w.elder, 120)
    demand = new_demand(w, actor=staff, payer="elder")  # published by staff, acting for the elder
    clock.at(demand.ends_at + dt.timedelta(hours=1))
    client.force_login(staff)
    start, end = timezone.localtime(demand.starts_at), timezone.localtime(demand.ends_at)
    form = {"volunteer": staff.pk, "day": start.date().isoformat(), "start": start.strftime("%H:%M"),
            "end": end.strftime("%H:%M"), "reason": "纸质签到"}
    response = client.post(f"/demands/{demand.pk}/paper/", form)
    assert response.status_code == 200 and not Assignment.objects.filter(demand=demand).exists()
    client.force_login(w.branch_admin)  # nor may a colleague record it for whoever published the request
    client.post(f"/demands/{demand.pk}/paper/", form)
    assert not Assignment.objects.filter(demand=demand).exists()
    clock.advance(days=30)
    services.assignments_auto_confirm()
    assert ledger.member_account(staff).balance == 0
    assert ledger.member_account(w.elder).balance == 120
