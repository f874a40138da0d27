import pytest
from django.test import override_settings

from timebank.health import services
from timebank.health.exceptions import AlertAlreadyDone, AlertTransitionInvalid
from timebank.health.models import Alert, AlertRule, AlertStatus
from timebank.lib.errors import InvalidInput, NotFound
from timebank.lib.sms import LoggingSmsBackend
from timebank.notices.models import Notice, NoticeKind

from .conftest import bp

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@override_settings(TASKS=IMMEDIATE)
def test_an_urgent_reading_raises_one_urgent_alert_at_once_and_tells_medical_staff(
        health_world, django_capture_on_commit_callbacks):
    w = health_world
    services.proxy_health_consent_set(actor=w.elder, elder=w.elder, proxy=w.proxy, consent=True)
    LoggingSmsBackend.sent = []
    with django_capture_on_commit_callbacks(execute=True):
        services.readings_ingest(device=w.device, items=[bp(1, systolic=185, diastolic=100)])
        services.readings_ingest(device=w.device, items=[bp(2, systolic=190, diastolic=100)])
    alert = Alert.objects.get()
    assert (alert.rule, alert.severity, alert.status, alert.readings_count) == ("bp_urgent", "urgent", "open", 2)
    told = set(Notice.objects.filter(kind=NoticeKind.HEALTH_ALERT).values_list("person_id", flat=True))
    assert told == {w.medic.pk, w.medical_lead.pk, w.proxy.pk}
    assert w.other_medic.pk not in told
    assert not any("185" in text for _, text in LoggingSmsBackend.sent)  # no value in a text message


def test_the_sustained_rule_raises_exactly_when_it_first_holds_and_not_again_while_open(health_world):
    w = health_world
    services.readings_ingest(device=w.device, items=[bp(1, 150), bp(2, 120)])
    assert not Alert.objects.exists()
    services.readings_ingest(device=w.device, items=[bp(3, 145)])
    assert not Alert.objects.exists()
    services.readings_ingest(device=w.device, items=[bp(4, 142)])
    alert = Alert.objects.get()
    assert (alert.rule, alert.severity) == (AlertRule.BP_SUSTAINED, "follow_up")
    services.readings_ingest(device=w.device, items=[bp(5, 150), bp(6, 151)])
    assert Alert.objects.count() == 1


def test_the_workflow_goes_open_acknowledged_followed_up_closed_and_refuses_skips(health_world):
    w = health_world
    services.readings_ingest(device=w.device, items=[bp(1, 200)])
    alert = Alert.objects.get()
    with pytest.raises(AlertTransitionInvalid):
        services.alert_close(actor=w.medic, alert=alert)
    with pytest.raises(AlertTransitionInvalid):
        services.alert_follow_up(actor=w.medic, alert=alert, outcome="phoned")
    with pytest.raises(NotFound):
        services.alert_acknowledge(actor=w.other_medic, alert=alert)
    with pytest.raises(NotFound):
        services.alert_acknowledge(actor=w.branch_admin, alert=alert)
    services.alert_acknowledge(actor=w.medic, alert=alert)
    with pytest.raises(AlertAlreadyDone) as err:
        services.alert_acknowledge(actor=w.medical_lead, alert=alert)
    assert (err.value.code, err.value.detail["by"]) == ("alert_already_done", w.medic.pk)
    assert w.medic.name in str(err.value.message)
    with pytest.raises(InvalidInput):
        services.alert_follow_up(actor=w.medic, alert=alert, outcome="emailed")
    services.alert_follow_up(actor=w.medic, alert=alert, outcome="phoned", note="told to see a doctor")
    alert = services.alert_close(actor=w.medic, alert=alert)
    assert alert.status == AlertStatus.CLOSED
    services.readings_ingest(device=w.device, items=[bp(2, 200)])
    assert Alert.objects.filter(status=AlertStatus.OPEN).count() == 1  # a closed alert lets a new one open


@override_settings(TASKS=IMMEDIATE)
def test_an_unacknowledged_urgent_alert_escalates_one_node_up_and_a_second_run_changes_nothing(
        health_world, clock, django_capture_on_commit_callbacks):
    from timebank.conftest import make_person
    from timebank.orgs.services import role_grant

    w = health_world
    station_medic = make_person(w.station_a1, "站点护士", mobile="13900000024")
    role_grant(actor=None, person=station_medic, role="medical_staff", node=w.station_a1)
    with django_capture_on_commit_callbacks(execute=True):
        services.readings_ingest(device=w.device, items=[bp(1, 200)])
    alert = Alert.objects.get()
    assert alert.level_node == w.station_a1
    clock.advance(minutes=29)
    assert services.alerts_escalate() == 0
    clock.advance(minutes=2)
    Notice.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.alerts_escalate() == 1
        assert services.alerts_escalate() == 0
    alert.refresh_from_db()
    assert (alert.level_node, alert.escalations) == (w.branch_a, 1)
    assert set(Notice.objects.values_list("person_id", flat=True)) == {w.medic.pk}
    clock.advance(minutes=31)
    assert services.alerts_escalate() == 1
    alert.refresh_from_db()
    assert alert.level_node == w.bank
    clock.advance(minutes=31)
    assert services.alerts_escalate() == 0


def test_an_alert_waits_at_the_elders_own_station_wherever_the_reading_was_taken(health_world):
    w = health_world
    services.card_issue(actor=w.medical_lead, elder=w.other_elder, uid="04B10001")
    services.readings_ingest(device=w.device, items=[bp(1, 200, uid="04B10001")])  # a device of branch A
    alert = Alert.objects.get()
    assert (alert.station, alert.level_node) == (w.station_b1, w.station_b1)
    from timebank.health import selectors

    assert list(selectors.alert_queue(w.other_medic)) == [alert]
    assert list(selectors.alert_queue(w.medic)) == []
