"""Alembic environment: runs the service's migrations on the connection it is given.

:func:`grader.service.db.upgrade` passes the engine's connection in
``config.attributes["connection"]``; ``alembic`` on the command line is not
needed (``grader serve`` and ``grader admin`` upgrade on start).
"""

from __future__ import annotations

from alembic import context

from grader.service.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only through grader.service.db.upgrade
    raise SystemExit("the migrations run by themselves when `grader serve` or `grader admin` starts")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
