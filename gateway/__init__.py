"""A GraphQL gateway that says what runs in Kubernetes clusters, what is broken, and why."""
