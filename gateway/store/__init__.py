"""The Redis cache: compact records, indexes, counts and per-cluster change feeds."""
