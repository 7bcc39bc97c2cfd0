"""A GraphQL gateway that says what runs in Kubernetes clusters, what is broken, and why.

Its packages depend one way, lowest first, as its data flows (API server -> watcher
-> status rules -> store -> schema -> client): plain pieces everything may use
(config, selectors, clusters, visibility, metrics, backoff) < status (pure rules) <
store (the Redis cache) < watch, auth, podlogs < service < schema < http, notify <
commands < simcluster < cli. A lower one never imports a higher one, not even inside
a function or for type checking; what two layers share moves down to the lower.
tests/architecture/test_layers.py holds the exact order and fails on any circle.
"""
