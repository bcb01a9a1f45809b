"""PostgreSQL: the pool, one SQL helper for every repository, one module per table family.

The package's face is the pool and its settings; each repository is imported from its own module.
"""

from stores.postgres.pool import PostgresSettings, PostgresStore, translate

__all__ = ["PostgresSettings", "PostgresStore", "translate"]
