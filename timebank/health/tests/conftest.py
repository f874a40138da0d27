"""Health personas on top of the shared `world`: medical staff, a device at 政立路社区, the elder's card."""
import datetime as dt

import pytest
from django.utils import timezone

from timebank.conftest import make_person
from timebank.health import services
from timebank.orgs.roles import Role
from timebank.orgs.services import role_grant
from timebank.people.models import ProxyLink


@pytest.fixture
def health_world(world):
    w = world
    w.medic = make_person(w.station_a1, "五角场医生", mobile="13900000021")
    role_grant(actor=None, person=w.medic, role=Role.MEDICAL_STAFF, node=w.branch_a)
    w.medical_lead = make_person(w.station_a1, "区医护主任", mobile="13900000022")
    role_grant(actor=None, person=w.medical_lead, role=Role.MEDICAL_STAFF, node=w.bank)
    w.other_medic = make_person(w.station_b1, "长白医生", mobile="13900000023")
    role_grant(actor=None, person=w.other_medic, role=Role.MEDICAL_STAFF, node=w.branch_b)
    w.link = ProxyLink.objects.create(bank=w.bank, proxy=w.proxy, elder=w.elder, relation="child")
    w.device, w.device_token = services.device_register(actor=w.bank_admin, station=w.station_a1, serial="BP-001",
                                                        model="YE-900")
    w.card = services.card_issue(actor=w.station_staff, elder=w.elder, uid="04A1B2C3")
    return w


def bp(seq, systolic=120, diastolic=80, uid="04A1B2C3", at=None):
    at = at or timezone.now() - dt.timedelta(minutes=1)
    return {"card_uid": uid, "kind": "bp", "systolic": systolic, "diastolic": diastolic,
            "measured_at": at.isoformat(), "sequence": seq}
