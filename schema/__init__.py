"""The Strawberry GraphQL schema over the store: clusters, namespaces, workloads, pods."""
