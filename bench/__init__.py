"""Benchmarks: every figure is measured over gRPC and against the raw driver in the same run."""
