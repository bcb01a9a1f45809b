"""The gRPC application of the Amauta Node data service."""
