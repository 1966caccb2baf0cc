"""provisioner: Azure Load Balancer scenarios (multi-frontend, Floating IP) from YAML blueprints."""

__version__ = "0.1.0"
