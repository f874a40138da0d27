import pytest

from timebank.health import services
from timebank.health.classification import classify, glucose_hundredths
from timebank.health.models import Level, Thresholds
from timebank.health.selectors import thresholds_for
from timebank.lib.errors import InvalidInput, NotFound

D = Thresholds()


@pytest.mark.parametrize("systolic,diastolic,level", [
    (139, 89, Level.NORMAL), (140, 80, Level.HIGH), (130, 90, Level.HIGH), (179, 109, Level.HIGH),
    (180, 100, Level.URGENT), (150, 110, Level.URGENT),
])
def test_it_classifies_blood_pressure_at_each_default_boundary(systolic, diastolic, level):
    assert classify(D, "bp", systolic=systolic, diastolic=diastolic) == level


@pytest.mark.parametrize("glucose,context,level", [
    (699, "fasting", Level.NORMAL), (700, "fasting", Level.HIGH), (1109, "after_meal", Level.NORMAL),
    (1110, "after_meal", Level.HIGH), (1110, "random", Level.HIGH), (390, "fasting", Level.NORMAL),
    (389, "fasting", Level.LOW), (300, "random", Level.LOW), (299, "random", Level.URGENT),
])
def test_it_classifies_glucose_at_each_default_boundary(glucose, context, level):
    assert classify(D, "glucose", glucose=glucose, context=context) == level


@pytest.mark.parametrize("bpm,level", [
    (50, Level.NORMAL), (100, Level.NORMAL), (49, Level.LOW), (101, Level.HIGH), (40, Level.LOW),
    (39, Level.URGENT), (130, Level.HIGH), (131, Level.URGENT),
])
def test_it_classifies_heart_rate_at_each_default_boundary(bpm, level):
    assert classify(D, "heart_rate", bpm=bpm) == level


@pytest.mark.parametrize("value,unit,hundredths", [
    (126, "mg/dL", 700), (200, "mg/dL", 1111), (54, "mg/dL", 300), (99, "mg/dL", 550), ("5.6", "mmol/L", 560),
    (7.005, "mmol/L", 701), (11.1, "mmol/L", 1110),
])
def test_it_converts_glucose_exactly_into_hundredths_of_mmol_per_litre(value, unit, hundredths):
    assert glucose_hundredths(value, unit) == hundredths


def test_it_uses_an_elders_own_limits_with_a_reason_and_audits_the_change(health_world):
    from timebank.audit.models import AuditEvent

    w = health_world
    assert thresholds_for(w.bank, w.elder).bp_systolic_high == 140
    with pytest.raises(InvalidInput):
        services.thresholds_set(actor=w.medic, bank=w.bank, elder=w.elder, bp_systolic_high=150)
    services.thresholds_set(actor=w.medic, bank=w.bank, elder=w.elder, reason="known hypertension",
                            bp_systolic_high=150)
    assert thresholds_for(w.bank, w.elder).bp_systolic_high == 150
    assert thresholds_for(w.bank, w.other_elder).bp_systolic_high == 140
    assert AuditEvent.objects.filter(action="health.thresholds_changed").count() == 1
    with pytest.raises(NotFound):
        services.thresholds_set(actor=w.other_medic, bank=w.bank, elder=w.elder, reason="x", bp_systolic_high=150)


def test_only_the_medical_lead_at_the_bank_changes_bank_defaults(health_world):
    w = health_world
    with pytest.raises(NotFound):
        services.thresholds_set(actor=w.medic, bank=w.bank, bp_systolic_high=135)
    with pytest.raises(InvalidInput):
        services.thresholds_set(actor=w.medical_lead, bank=w.bank, bp_systolic_high=190)
    services.thresholds_set(actor=w.medical_lead, bank=w.bank, bp_systolic_high=135)
    assert thresholds_for(w.bank, w.other_elder).bp_systolic_high == 135


def test_limits_can_start_later_but_never_in_the_past(health_world, api_client):
    import datetime as dt

    from django.utils import timezone

    w = health_world
    later = timezone.now() + dt.timedelta(days=7)
    services.thresholds_set(actor=w.medic, bank=w.bank, elder=w.elder, reason="after the new medicine",
                            effective_from=later, bp_systolic_high=150)
    assert thresholds_for(w.bank, w.elder).bp_systolic_high == 140
    assert thresholds_for(w.bank, w.elder, later).bp_systolic_high == 150
    api_client.login_as(w.medic)
    past = api_client.put(f"/api/v1/people/{w.elder.pk}/thresholds",
                          {"reason": "x", "bp_systolic_high": 135, "effective_from": "2020-01-01T00:00:00+08:00"},
                          content_type="application/json")
    assert (past.status_code, past.json()["code"]) == (422, "effective_from_past")
    readings = api_client.get(f"/api/v1/people/{w.elder.pk}/readings").json()["items"]
    assert readings == []
