"""`seed_demo --full --scale 0.01`: the seed article's district at a hundredth of its size, every
figure counted from rows the services made, in the seed's proportions; a second run adds nothing."""
import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, Min
from django.utils import timezone

from timebank.audit.models import AuditEvent
from timebank.demands.models import Assignment, Demand
from timebank.devdata.full_district import ELDERS, SERVED, VOLUNTEERS, district_figures
from timebank.ledger import chain
from timebank.ledger.models import Transfer
from timebank.orgs.models import Node, NodeKind
from timebank.people.models import Person
from timebank.teams.models import TeamClaim


def snapshot() -> dict:
    return {model.__name__: model.objects.count()
            for model in (Person, Demand, Assignment, Transfer, TeamClaim, AuditEvent)}


@pytest.mark.django_db
def test_it_builds_the_seed_sized_district_through_the_services_once():
    out = StringIO()
    call_command("seed_demo", full=True, scale=0.01, stdout=out)
    bank = Node.objects.get(kind=NodeKind.BANK, code="yangpu")
    figures = district_figures(bank)
    assert figures.elders == round(ELDERS * 0.01)
    assert figures.volunteers >= round(VOLUNTEERS * 0.01)  # the plain demo's 50 already cover a hundredth
    assert figures.teams == 2
    assert figures.served == round(SERVED * 0.01)
    assert "Refused" not in out.getvalue()
    # The seeds' proportion of demanders to providers holds for the people the full run added.
    added = Person.objects.filter(bank=bank, name_initials__gt="").exclude(mobile__startswith="1390")
    assert added.filter(is_elder=True).count() > added.filter(is_volunteer=True).count()

    served = Assignment.objects.filter(demand__bank=bank, status="credited")
    # Through the services: each service was checked in and out, confirmed, audited and paid once.
    assert not served.filter(check_in_at__isnull=True).exists()
    assert not served.filter(check_out_at__isnull=True).exists()
    assert AuditEvent.objects.filter(action="service.checked_in").count() == served.count()
    assert set(Transfer.objects.filter(idempotency_key__endswith=":time", kind="service_credit")
               .values_list("idempotency_key", flat=True)) == {f"assignment:{pk}:time" for pk in served.values_list(
                   "pk", flat=True)}
    assert TeamClaim.objects.filter(assignment__in=served).exists()
    # Over weeks of simulated days, not all today.
    days = served.values("check_in_at__date").annotate(n=Count("id"))
    assert days.count() > 20
    assert served.aggregate(first=Min("check_in_at"))["first"] < timezone.now() - dt.timedelta(days=20)
    chain.seal_all(now=timezone.now() + dt.timedelta(seconds=5))
    assert chain.verify().ok

    before = snapshot()
    again = StringIO()
    call_command("seed_demo", full=True, scale=0.01, stdout=again)
    assert snapshot() == before
    assert f"{figures.served:,} person-times served" in again.getvalue()


def test_the_simulated_clock_only_moves_forward_and_restores_the_real_one():
    from django.utils import timezone

    from timebank.audit.models import AuditEvent as Event
    from timebank.lib.simulated_clock import simulated_clock

    start = dt.datetime(2025, 1, 1, 8, tzinfo=dt.UTC)
    with simulated_clock(start) as clock:
        assert timezone.now() == start
        assert Event._meta.get_field("at").get_default() == start  # model defaults read it too
        clock.set(start - dt.timedelta(hours=1))
        assert timezone.now() == start
        clock.advance(minutes=5)
        assert timezone.localtime().minute == 5
    assert timezone.now() > dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert Event._meta.get_field("at").get_default() > dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
