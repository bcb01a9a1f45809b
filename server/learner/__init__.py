"""server.learner.service"""
