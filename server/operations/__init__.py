"""OperationsService: on-demand and scheduled consistency checks (service.py)."""
