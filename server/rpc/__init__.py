"""What every service shares on the wire: the interceptor, errors as google.rpc.Status, validation, paging,
conversions, authentication, the one authorisation gate (policy.py), rate limits, reflection and TLS."""
