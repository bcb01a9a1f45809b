"""SimulationService: live multi-participant simulations (service.py), the watch fan-out hub (watch.py) and the
sync workers."""
