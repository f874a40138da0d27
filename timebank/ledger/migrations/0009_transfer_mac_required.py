"""No transfer without its fingerprint. (On SQLite the constraint makes the table anew; the
ledger's triggers are saved and created again around it.)"""
from django.db import migrations, models

from timebank.lib.vendor_sql import sqlite_keep_triggers

SAVE, RESTORE = sqlite_keep_triggers("ledger_transfer")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0008_transfer_mac")]
    operations = [
        SAVE,
        migrations.AddConstraint(model_name="transfer", constraint=models.CheckConstraint(
            condition=models.Q(("mac", ""), _negated=True), name="ledger_transfer_has_mac")),
        RESTORE,
    ]
