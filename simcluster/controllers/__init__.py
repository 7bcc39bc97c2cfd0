"""The control plane without kubelets: controllers that move objects as a cluster would."""
