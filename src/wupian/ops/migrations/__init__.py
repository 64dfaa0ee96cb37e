"""Alembic migrations of the operational store (run by ``OpsStore.migrate``)."""
