"""Real threads on PostgreSQL: the same message delivered by many workers at once is credited once, a refusal
finished by many workers at once gives the coins back once, and transfers to another deployment never
overdraw."""
import json

from timebank.clearing import federation
from timebank.clearing.models import InboundMessage, MessageStatus, OutboundMessage
from timebank.conftest import run_threads
from timebank.ledger import chain
from timebank.ledger import services as ledger
from timebank.ledger.exceptions import InsufficientBalance
from timebank.ledger.models import Transfer


def test_twenty_deliveries_of_one_message_at_once_credit_it_once(postgres_only, world, fed):
    raw, signature = fed.message(45)
    others = [fed.message(5) for _ in range(10)]

    def deliver(i):
        if i % 3 == 2:  # other messages to the same member at the same time
            return federation.message_receive(raw=others[i // 3][0], signature=others[i // 3][1])
        return federation.message_receive(raw=raw, signature=signature)

    results = run_threads(30, deliver)
    assert not [r for r in results if isinstance(r, Exception)], results
    message_id = json.loads(raw)["id"]
    receipts = [receipt for receipt, _signature in results if json.loads(receipt)["message"] == message_id]
    assert len(receipts) == 20 and len(set(receipts)) == 1 and json.loads(receipts[0])["status"] == "accepted"
    assert InboundMessage.objects.filter(status=MessageStatus.ACCEPTED).count() == 11
    assert ledger.member_account(world.volunteer).balance == 45 + 10 * 5
    assert chain.verify().ok


def test_ten_workers_finishing_one_refusal_give_the_coins_back_once(postgres_only, world, fed, fund):
    fund(world.volunteer, 100)
    message = federation.federation_gift(actor=world.volunteer, sender=world.volunteer, peer=fed.peer,
                                         mobile="13700000001", name="周远方", amount=60)
    receipt = {"status": "refused", "reason": "member_unknown"}
    results = run_threads(10, lambda i: federation._finish(message, receipt, b"{}"))
    assert results == ["refused"] * 10
    message.refresh_from_db()
    assert message.status == MessageStatus.REFUSED and message.reversal is not None
    assert Transfer.objects.filter(corrects=message.out_transfer).count() == 1
    assert ledger.member_account(world.volunteer).balance == 100
    assert chain.verify().ok


def test_thirty_transfers_to_another_deployment_at_once_never_overdraw(postgres_only, world, fed, fund):
    fund(world.volunteer, 1000)
    results = run_threads(30, lambda i: federation.federation_gift(
        actor=world.volunteer, sender=world.volunteer, peer=fed.peer, mobile="13700000001", name="周远方", amount=70))
    failures = [r for r in results if isinstance(r, Exception)]
    assert failures and all(isinstance(f, InsufficientBalance) for f in failures)
    sent = OutboundMessage.objects.count()
    assert sent == 1000 // 70  # every posted leg has its message, and only those
    assert ledger.member_account(world.volunteer).balance == 1000 - 70 * sent
    assert Transfer.objects.filter(subject_type="clearing.outboundmessage").count() == sent
    assert chain.verify().ok


def test_messages_arriving_at_once_never_take_the_member_over_their_banks_cap(postgres_only, world, fed):
    from timebank.orgs.services import bank_rules_set

    bank_rules_set(actor=world.bank_admin, bank=world.bank, gift_recipients="any", balance_cap_minutes=100)
    ledger.member_account(world.volunteer)  # opened before the threads
    messages = [fed.message(30) for _ in range(12)]
    results = run_threads(12, lambda i: federation.message_receive(raw=messages[i][0], signature=messages[i][1]))
    assert not [r for r in results if isinstance(r, Exception)], results
    statuses = sorted(json.loads(receipt)["status"] for receipt, _signature in results)
    assert statuses == ["accepted"] * 3 + ["refused"] * 9  # three fit under 100; the others are refused
    assert ledger.member_account(world.volunteer).balance == 90
    assert InboundMessage.objects.filter(status=MessageStatus.ACCEPTED).count() == 3
    assert chain.verify().ok
