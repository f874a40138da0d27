"""Clearing between deployments, one side at a time: what this platform does with a message from a partner
(bad signature, unknown platform, replay, another order, unknown member, a reused id), the worker's
retries, and the reconciliation's arithmetic. Two real servers: test_federation_two_servers.py."""
import datetime as dt
import json
import uuid

import pytest
from django.utils import timezone

from timebank.clearing import federation
from timebank.clearing import services as clearing
from timebank.clearing.models import InboundMessage, MessageStatus, OutboundMessage, ReconciliationReport
from timebank.ledger import services as ledger
from timebank.ledger.chain import verify
from timebank.ledger.exceptions import GiftNotAllowed
from timebank.ledger.models import Account, AccountKind, Transfer
from timebank.orgs.services import bank_rules_set

URL = "/api/v1/federation/messages"


def _send(client, raw, signature):
    return client.post(URL, raw, content_type="application/json", HTTP_X_TIMEBANK_SIGNATURE=signature)


def _balance(person):
    return ledger.member_account(person).balance


def test_it_credits_the_member_once_and_answers_a_replay_with_the_same_receipt(client, world, fed):
    raw, signature = fed.message(30)
    first = _send(client, raw, signature)
    assert first.status_code == 200
    assert federation.signature_valid(fed.own_public, first.content, first.headers[federation.SIGNATURE_HEADER])
    receipt = json.loads(first.content)
    assert (receipt["status"], receipt["from"], receipt["to"]) == ("accepted", "city-x", "city-y")
    again = _send(client, raw, signature)
    assert again.status_code == 200 and again.content == first.content
    assert _balance(world.volunteer) == 30
    assert InboundMessage.objects.count() == 1
    assert Transfer.objects.filter(subject_type="clearing.inboundmessage").count() == 1
    clearing_account = Account.objects.get(kind=AccountKind.CLEARING, peer=fed.peer.node)
    assert (clearing_account.bank_id, clearing_account.balance) == (world.bank.pk, -30)


def test_it_refuses_a_bad_signature_and_writes_nothing(client, world, fed):
    raw, signature = fed.message(30)
    forged = raw.replace(b'"amount": 30', b'"amount": 3000')
    response = _send(client, forged, signature)
    assert response.status_code == 401 and response.json()["code"] == "bad_signature"
    assert _send(client, raw, "").status_code == 401
    assert InboundMessage.objects.count() == 0 and _balance(world.volunteer) == 0


def test_it_refuses_an_unknown_platform_and_a_message_for_another_one(client, world, fed):
    for raw, signature in (fed.message(30, sender="city-z"), fed.message(30, to="city-w")):
        response = _send(client, raw, signature)
        assert response.status_code == 403 and response.json()["code"] == "unknown_platform"
    fed.peer.is_active = False
    fed.peer.save()
    assert _send(client, *fed.message(30)).status_code == 403
    assert InboundMessage.objects.count() == 0 and _balance(world.volunteer) == 0


def test_it_refuses_what_is_not_a_message(client, fed):
    assert _send(client, b"not json", "x").json()["code"] == "bad_message"
    raw, signature = fed.message(30, message_id="not-a-uuid")
    assert _send(client, raw, signature).status_code == 400
    raw, signature = fed.message(kind="gossip", body={})
    assert _send(client, raw, signature).status_code == 400


def test_it_answers_an_unknown_member_with_a_refusal_and_posts_nothing(client, world, fed):
    for raw, signature in (fed.message(30, name="李某某"), fed.message(30, mobile="13999999999"),
                           fed.message(-5), fed.message(0)):
        response = _send(client, raw, signature)
        assert response.status_code == 200
        receipt = json.loads(response.content)
        assert receipt["status"] == "refused" and receipt["reason"] in ("member_unknown", "bad_amount")
        assert _send(client, raw, signature).content == response.content
    assert InboundMessage.objects.filter(status=MessageStatus.REFUSED).count() == 4
    assert not Transfer.objects.filter(subject_type="clearing.inboundmessage").exists()


def test_messages_in_another_order_and_replayed_change_nothing(client, world, fed):
    messages = [fed.message(amount) for amount in (10, 20, 40)]
    for raw, signature in (messages[2], messages[0], messages[1], messages[0], messages[2]):
        assert _send(client, raw, signature).status_code == 200
    assert _balance(world.volunteer) == 70
    assert InboundMessage.objects.filter(status=MessageStatus.ACCEPTED).count() == 3


def test_a_different_message_reusing_an_id_is_refused(client, world, fed):
    message_id = uuid.uuid4()
    assert _send(client, *fed.message(30, message_id=message_id)).status_code == 200
    response = _send(client, *fed.message(300, message_id=message_id))
    assert response.status_code == 409 and response.json()["code"] == "message_id_reused"
    assert _balance(world.volunteer) == 30


def test_without_a_signing_key_federation_is_off(client, fed, settings):
    settings.FEDERATION_KEY = ""
    response = _send(client, *fed.message(30))
    assert response.status_code == 503 and response.json()["code"] == "federation_not_configured"


def test_the_federation_clearing_stays_out_of_netting_and_of_the_pair_check(client, world, fed):
    assert _send(client, *fed.message(30)).status_code == 200
    # The partner's node is a platform of its own, but not one this deployment nets.
    runs = clearing.netting_run_due(now=timezone.now())
    assert [run.platform_id for run in runs] == [world.platform.pk]
    assert runs[0].records == 0 and not runs[0].positions.exists()
    assert Account.objects.get(kind=AccountKind.CLEARING, peer=fed.peer.node).balance == -30  # not settled
    report = verify()
    assert report.ok, report.problems


def test_an_unanswered_message_waits_and_is_retried_on_a_growing_delay(world, fed, fund):
    fund(world.volunteer, 100)
    message = federation.federation_gift(actor=world.volunteer, sender=world.volunteer, peer=fed.peer,
                                         mobile="13700000001", name="周远方", amount=25)
    assert federation.federation_deliver() == {"accepted": 0, "refused": 0, "failed": 1}  # nobody listens there
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.PENDING, 1)
    assert _balance(world.volunteer) == 75  # our leg stays posted: nothing is lost while the peer is away
    first_wait = message.next_try_at
    assert federation.federation_deliver() == {"accepted": 0, "refused": 0, "failed": 0}  # not due yet
    federation.federation_deliver(now=first_wait + dt.timedelta(seconds=1))
    message.refresh_from_db()
    assert message.attempts == 2 and message.next_try_at - first_wait >= dt.timedelta(seconds=19)
    assert federation._retry_delay(30) == dt.timedelta(seconds=federation.RETRY_MAX_SECONDS)


def test_the_same_idempotency_key_sends_one_message(world, fed, fund):
    fund(world.volunteer, 100)
    first, second = (federation.federation_gift(actor=world.volunteer, sender=world.volunteer, peer=fed.peer,
                                                mobile="13700000001", name="周远方", amount=25, idempotency_key="k1")
                     for _ in range(2))
    assert first.pk == second.pk and OutboundMessage.objects.count() == 1 and _balance(world.volunteer) == 75


def _statement(fed, balances, accepted=(), pending=()):
    def answer(peer, envelope, signature, client):
        sent = json.loads(envelope)
        assert federation.signature_valid(fed.own_public, envelope, signature) and sent["kind"] == "statement"
        return {"message": sent["id"], "status": "statement", "body": {
            "balances": balances, "accepted": list(accepted), "pending": list(pending)}}, b""
    return answer


def test_reconciliation_counts_what_is_still_travelling(client, world, fed, fund, monkeypatch):
    fund(world.volunteer, 100)
    assert _send(client, *fed.message(30)).status_code == 200  # theirs, credited here: ours −30
    sent = federation.federation_gift(actor=world.volunteer, sender=world.volunteer, peer=fed.peer,
                                      mobile="13700000001", name="周远方", amount=25)  # pending: ours +25
    theirs_waiting = str(uuid.uuid4())
    # Their side: +30 sent to us and 7 more not yet here; they have not got our 25 — and 5 they cannot account for.
    monkeypatch.setattr(federation, "_post", _statement(fed, {"time": 42},
                                                        pending=[{"id": theirs_waiting, "currency": "time",
                                                                  "amount": 7}]))
    report = federation.federation_reconcile(actor=None, peer=fed.peer)
    assert (report.ours, report.theirs, report.in_flight, report.difference, report.matches) == (
        {"time": -5}, {"time": 42}, {"time": 25 + 7}, {"time": 5}, False)
    # The same, when the peer has credited our 25 already (its receipt lost) and its 7 are not there.
    monkeypatch.setattr(federation, "_post", _statement(fed, {"time": 30 - 25 + 7}, accepted=[str(sent.uuid)],
                                                        pending=[{"id": theirs_waiting, "currency": "time",
                                                                  "amount": 7}]))
    report = federation.federation_reconcile(actor=None, peer=fed.peer)
    assert (report.in_flight, report.difference, report.matches) == ({"time": 7}, {"time": 0}, True)


def test_a_peer_that_cannot_be_asked_gives_a_report_with_the_reason(world, fed):
    report = federation.federation_reconcile(actor=None, peer=fed.peer)
    assert not report.matches and report.error and report.difference == {}


def test_the_daily_reconciliation_runs_once_a_day_per_peer(world, fed, monkeypatch):
    monkeypatch.setattr(federation, "_post", _statement(fed, {}))
    at = timezone.localtime().replace(hour=3, minute=0)
    assert len(federation.federation_reconcile_due(now=at)) == 1
    assert federation.federation_reconcile_due(now=at + dt.timedelta(hours=2)) == []
    assert federation.federation_reconcile_due(now=at.replace(hour=1)) == []


def test_platform_admins_reconcile_and_read_the_reports_on_the_page_and_through_the_api(
        client, api_client, world, fed, platform_admin, monkeypatch):
    monkeypatch.setattr(federation, "_post", _statement(fed, {"time": 8}))
    client.force_login(platform_admin)
    page = client.get("/clearing/federation/")
    html = page.content.decode()
    assert page.status_code == 200 and "city-y" in html and "合作平台" in html and "对账报告" in html
    assert "Partner platform" not in html and "Reconcil" not in html  # Chinese first
    done = client.post("/clearing/federation/", {"peer": fed.peer.pk})
    assert done.status_code == 302  # the partner says 8 we do not have: a difference of 8
    assert [(r.difference, r.started_by_id) for r in ReconciliationReport.objects.all()] == [({"time": 8},
                                                                                             platform_admin.pk)]
    assert "<strong>时间币（分钟） 8</strong>" in client.get("/clearing/federation/").content.decode()
    api_client.login_as(platform_admin)
    made = api_client.post("/api/v1/federation/reconciliations", {"peer_id": fed.peer.pk},
                           content_type="application/json")
    assert made.status_code == 201 and made.json()["difference"] == {"time": 8} and not made.json()["matches"]
    reports = api_client.get("/api/v1/federation/reconciliations").json()["items"]
    assert [(r["peer_name"], r["difference"]) for r in reports] == [("city-y", {"time": 8})] * 2


def test_bank_staff_do_not_see_the_platforms_clearing_with_other_deployments(client, api_client, world, fed):
    client.force_login(world.bank_admin)
    assert client.get("/clearing/federation/").status_code == 404
    api_client.login_as(world.bank_admin)
    assert api_client.get("/api/v1/federation/reconciliations").status_code == 404
    assert api_client.post("/api/v1/federation/reconciliations", {"peer_id": fed.peer.pk},
                           content_type="application/json").status_code == 404


def test_a_bank_that_gives_to_relatives_only_neither_sends_nor_takes_gifts_from_another_deployment(
        client, world, fed, fund):
    fund(world.volunteer, 100)
    bank_rules_set(actor=world.bank_admin, bank=world.bank, gift_recipients="relatives")
    with pytest.raises(GiftNotAllowed):
        federation.federation_gift(actor=world.volunteer, sender=world.volunteer, peer=fed.peer,
                                   mobile="13700000001", name="周远方", amount=25)
    assert OutboundMessage.objects.count() == 0 and _balance(world.volunteer) == 100
    response = _send(client, *fed.message(30))
    assert json.loads(response.content)["reason"] == "gift_not_allowed" and _balance(world.volunteer) == 100


def test_a_member_gives_to_another_city_through_the_api_once_per_key(api_client, world, fed, fund, settings):
    fund(world.volunteer, 100)
    api_client.login_as(world.volunteer)
    body = {"peer_id": fed.peer.pk, "to_mobile": "13700000001", "to_name": "周远方", "amount": 25}
    first = api_client.post("/api/v1/federation/gifts", body, content_type="application/json",
                            headers={"Idempotency-Key": "f-1"})
    again = api_client.post("/api/v1/federation/gifts", body, content_type="application/json",
                            headers={"Idempotency-Key": "f-1"})
    assert first.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert first.json()["status"] == "pending" and first.json()["uuid"] == str(OutboundMessage.objects.get().uuid)
    assert _balance(world.volunteer) == 75
    unknown = api_client.post("/api/v1/federation/gifts", {**body, "peer_id": fed.peer.pk + 99},
                              content_type="application/json", headers={"Idempotency-Key": "f-2"})
    assert unknown.status_code == 404
    settings.FEDERATION_KEY = ""
    off = api_client.post("/api/v1/federation/gifts", body, content_type="application/json",
                          headers={"Idempotency-Key": "f-3"})
    assert off.status_code == 409 and off.json()["code"] == "federation_off"
    assert _balance(world.volunteer) == 75 and OutboundMessage.objects.count() == 1


@pytest.mark.parametrize("pending", [5, True, "x", {"a": 1}, [5, None, "not-a-uuid"]])
def test_a_statement_request_with_a_malformed_pending_list_is_answered_not_a_500(client, fed, pending):
    raw, signature = fed.message(kind="statement", body={"pending": pending})
    response = _send(client, raw, signature)
    assert response.status_code == 200
    assert json.loads(response.content)["body"]["accepted"] == []


def test_a_refusal_the_ledger_cannot_reverse_waits_and_does_not_stop_the_other_messages(world, fed, fund,
                                                                                       monkeypatch):
    """A refused message whose leg was already corrected by staff cannot be reversed again (the ledger
    refuses a correction beyond what remains): the worker notes it and goes on; before, the ledger's error
    escaped the round, so every later message waited behind it for ever."""
    from timebank.ledger.models import TransferKind

    fund(world.volunteer, 100)
    first, second = (federation.federation_gift(actor=world.volunteer, sender=world.volunteer, peer=fed.peer,
                                                mobile="13700000001", name="周远方", amount=25) for _ in range(2))
    leg = first.out_transfer
    ledger.transfer_post(debit=Account.objects.get(pk=leg.credit_id), credit=Account.objects.get(pk=leg.debit_id),
                         amount=25, kind=TransferKind.CORRECTION, corrects=leg)

    def answer(peer, envelope, signature, client):
        sent = json.loads(envelope)
        status = "refused" if sent["id"] == str(first.uuid) else "accepted"
        return {"message": sent["id"], "status": status, "reason": "member_unknown"}, b"{}"

    monkeypatch.setattr(federation, "_post", answer)
    assert federation.federation_deliver() == {"accepted": 1, "refused": 0, "failed": 1}
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (MessageStatus.PENDING, MessageStatus.ACCEPTED)
    assert first.last_error and first.attempts == 1
    assert _balance(world.volunteer) == 100 - 50 + 25  # the staff's correction only: nothing returned twice


def test_a_member_with_a_gift_to_another_city_on_its_way_moves_once_it_has_come_back(world, fed, hongkou, fund):
    from timebank.clearing.exceptions import MoveBlocked

    fund(world.volunteer, 100)
    sent = federation.federation_gift(actor=world.volunteer, sender=world.volunteer, peer=fed.peer,
                                      mobile="13700000001", name="周远方", amount=25)
    with pytest.raises(MoveBlocked) as blocked:
        clearing.member_move(actor=world.bank_admin, person=world.volunteer, station=hongkou.station, reason="搬家")
    assert blocked.value.code == "move_blocked_gift_on_its_way" and "另一个城市" in str(blocked.value.message)
    world.volunteer.refresh_from_db()
    assert world.volunteer.bank_id == world.bank.pk  # nothing moved
    # The partner refuses it: the 25 come back here; then the member moves with all 100.
    federation._finish(sent, {"status": "refused", "reason": "unknown_member"}, b"{}")
    move = clearing.member_move(actor=world.bank_admin, person=world.volunteer, station=hongkou.station,
                                reason="搬家")
    world.volunteer.refresh_from_db()
    assert move.minutes == 100 and world.volunteer.bank_id == hongkou.bank.pk and _balance(world.volunteer) == 100
    assert verify().ok
