"""Alembic's entry point for nlq's store: migrations run on the connection nlq hands over, never from a
config file, so the app, the CLI and the tests all migrate the same way (``nlq.store.migrate``)."""

from alembic import context

from nlq.store.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
