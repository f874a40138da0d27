"""Migrations that install database rules (triggers, functions) written once per database vendor."""
from django.db import migrations


def vendor_sql(*, postgresql: str = "", postgresql_undo: str = "", sqlite: list[str] | None = None,
               sqlite_undo: list[str] | None = None) -> migrations.RunPython:
    """A RunPython operation that runs the statements meant for the database it migrates.
    Statements go through a plain cursor, so PL/pgSQL's `%ROWTYPE` is not read as a parameter."""

    def run(schema_editor, pg: str, lite: list[str]) -> None:
        vendor = schema_editor.connection.vendor
        statements = [pg] if vendor == "postgresql" and pg else lite if vendor == "sqlite" else []
        with schema_editor.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    return migrations.RunPython(lambda apps, editor: run(editor, postgresql, sqlite or []),
                                lambda apps, editor: run(editor, postgresql_undo, sqlite_undo or []))


def sqlite_keep_triggers(table: str) -> tuple[migrations.RunPython, migrations.RunPython]:
    """Two operations to put around a schema change of `table`: on SQLite, Django makes a changed
    table anew (adding a column or a CHECK constraint), which silently drops every trigger on it.
    The first saves the table's triggers in a scratch table, the second creates them again.
    Nothing happens on PostgreSQL, which keeps its triggers through ALTER TABLE."""

    def save(apps, schema_editor):
        if schema_editor.connection.vendor != "sqlite":
            return
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("CREATE TABLE IF NOT EXISTS timebank_saved_triggers (name text PRIMARY KEY, sql text)")
            cursor.execute("INSERT OR REPLACE INTO timebank_saved_triggers SELECT name, sql FROM sqlite_master "
                           "WHERE type = 'trigger' AND tbl_name = %s", [table])

    def restore(apps, schema_editor):
        if schema_editor.connection.vendor != "sqlite":
            return
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SELECT name, sql FROM timebank_saved_triggers ORDER BY rowid")
            for name, sql in cursor.fetchall():
                cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = %s", [name])
                if cursor.fetchone() is None:
                    cursor.execute(sql)
            cursor.execute("DROP TABLE timebank_saved_triggers")

    return (migrations.RunPython(save, restore, elidable=False),
            migrations.RunPython(restore, save, elidable=False))
