"""Three single-column indexes of the transfers go: the composite indexes (debit, id), (credit, id) and
(bank, idempotency_key) serve the same look-ups, and every index is written on every posting.
(On SQLite Django makes the table anew: the ledger's triggers are saved and made again around it.)"""
import django.db.models.deletion
from django.db import migrations, models

from timebank.lib.vendor_sql import sqlite_keep_triggers

SAVE, RESTORE = sqlite_keep_triggers("ledger_transfer")


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0014_partition_transfers'),
        ('orgs', '0007_node_phone_hours'),
    ]

    operations = [
        SAVE,
        migrations.AlterField(
            model_name='transfer',
            name='bank',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='orgs.node'),
        ),
        migrations.AlterField(
            model_name='transfer',
            name='credit',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='credit_transfers', to='ledger.account'),
        ),
        migrations.AlterField(
            model_name='transfer',
            name='debit',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='debit_transfers', to='ledger.account'),
        ),
        RESTORE,
    ]
