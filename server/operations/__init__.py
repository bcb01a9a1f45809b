"""server.operations.service"""
