import pytest
from django.db import DatabaseError, connection, transaction

from timebank.audit.models import AuditEvent
from timebank.audit.services import audit_record


@pytest.fixture
def event(world, delete_guards_on):
    return audit_record(actor=world.station_staff, action="person.viewed_full", obj=world.elder)


@pytest.mark.parametrize("statement", [
    "UPDATE audit_auditevent SET action = 'nothing.happened' WHERE id = %s",
    "DELETE FROM audit_auditevent WHERE id = %s",
])
def test_the_database_refuses_to_edit_or_delete_an_audit_event(event, statement):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [event.pk])
    event.refresh_from_db()
    assert event.action == "person.viewed_full"


def test_the_orm_cannot_rewrite_history_either(event):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(actor=None)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk, actor__isnull=False).exists()


def test_new_events_can_still_be_appended(event, world):
    audit_record(actor=world.branch_admin, action="person.updated", obj=world.elder, changes={"name": ["a", "b"]})
    assert AuditEvent.objects.filter(object_type="people.person", object_id=str(world.elder.pk)).count() == 2
