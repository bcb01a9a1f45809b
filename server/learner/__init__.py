"""LearnerService: profiles, sessions, assessments, real-time progress and erasure (service.py)."""
