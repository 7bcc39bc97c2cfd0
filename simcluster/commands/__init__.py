"""The command line commands of the simulated cluster: ``demo`` and ``simcluster``."""
