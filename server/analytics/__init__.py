"""AnalyticsService: event ingest, analytics queries and rule-5 reconciliation (service.py), with its ingest,
validation, conversions and settings."""
