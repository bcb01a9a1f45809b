"""Embedded store servers started under the node's data directory when no URL is configured."""
