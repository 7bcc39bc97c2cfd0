"""List+watch loops against each cluster's API server, feeding an in-memory mirror."""
