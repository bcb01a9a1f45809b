"""The only modules that touch two engines: the outbox relays, the simulation domain and its Redis → PostgreSQL
sync, erasure, the consistency rules, rule-5 reconciliation, skill fitting, cohort statistics by learner type,
and sessions counted in the progress hash."""
