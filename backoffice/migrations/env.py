"""Alembic environment: run programmatically from backoffice.storage (no .ini)."""

from alembic import context
from sqlalchemy import TypeDecorator

from backoffice.models import Base
from backoffice.models.search_index import include_in_schema_comparison

config = context.config
target_metadata = Base.metadata


def _render_item(type_, obj, autogen_context):
    """Migrations use plain SQL types, not our Python-side decorators."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
        include_name=include_in_schema_comparison,
    )


def run_migrations_online() -> None:
    # backoffice.storage.upgrade() hands us its connection; there is no .ini.
    connection = config.attributes["connection"]
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():  # pragma: no cover - we never generate SQL scripts
    raise SystemExit("Les migrations hors ligne ne sont pas prises en charge.")
run_migrations_online()
