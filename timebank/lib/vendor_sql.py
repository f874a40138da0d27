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
