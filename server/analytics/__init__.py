"""server.analytics.service"""
