"""Graph store: one interface, a FalkorDB backend (Redis protocol) and a Neo4j backend (Bolt)."""

from __future__ import annotations

from stores.graph.base import GraphBackend, GraphSettings


def create_backend(settings: GraphSettings) -> GraphBackend:
    """Pick the backend from the URL scheme: falkordb:// or redis:// → FalkorDB; bolt:// or neo4j:// → Neo4j."""
    scheme = settings.url.split("://", 1)[0].lower()
    if scheme in ("falkordb", "redis"):
        from stores.graph.falkordb import FalkorBackend
        return FalkorBackend(settings)
    if scheme.split("+", 1)[0] in ("bolt", "neo4j"):
        from stores.graph.neo4j import Neo4jBackend
        return Neo4jBackend(settings)
    raise ValueError(f"unsupported graph URL scheme {scheme!r}: use falkordb://, bolt:// or neo4j://")


__all__ = ["GraphBackend", "GraphSettings", "create_backend"]
