"""Store layer: one package per backing store, plus stores/sync for what spans two; drivers never appear
above this package."""
