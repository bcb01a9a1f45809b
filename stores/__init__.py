"""Store layer: one module per backing store; drivers never appear above this package."""
