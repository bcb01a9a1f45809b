"""Redis: live simulations, real-time progress, the generation queue and the shared rate limits.

The package's face is the client store and its settings; each keyspace is imported from its own module.
"""

from stores.redis.client import RedisSettings, RedisStore, create_client, parse_cluster_url, split_options, translate

__all__ = ["RedisSettings", "RedisStore", "create_client", "parse_cluster_url", "split_options", "translate"]
