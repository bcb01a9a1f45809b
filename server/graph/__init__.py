"""server.graph.service"""
