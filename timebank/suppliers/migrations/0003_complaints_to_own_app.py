"""The complaint models now belong to the complaints app (complaints.0001, which keeps their tables):
drop them from this app's state only. No table is touched."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('complaints', '0001_initial'),
        ('suppliers', '0002_order_missed_settlement_void_complaint_outcomes_application'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='ComplaintPhoto'),
                migrations.DeleteModel(name='ComplaintStep'),
                migrations.DeleteModel(name='Complaint'),
            ],
            database_operations=[],
        ),
    ]
