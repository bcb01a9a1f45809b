"""server.catalog.service"""
