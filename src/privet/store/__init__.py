"""The store: one database URL, SQLAlchemy 2 models, Alembic migrations, the unit of work."""
