"""GraphService: the competency network, knowledge tracing, learning paths and collaboration (service.py; the
node RPCs of the four kinds in nodes.py)."""
