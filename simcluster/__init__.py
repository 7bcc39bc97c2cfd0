"""A simulated Kubernetes cluster: the API server, controllers without kubelets, faults.

Start with ``simcluster.fleet.SimulatedFleet``; docs/simcluster.md describes
the command, the Python API, the behaviour annotations and the admin API.
"""
