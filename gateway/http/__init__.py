"""The gateway's HTTP surface: health, readiness, and (later) GraphQL."""
