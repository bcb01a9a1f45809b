"""server.simulation.service"""
