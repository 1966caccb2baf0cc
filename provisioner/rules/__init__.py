"""Azure load balancer knowledge as pure functions: each check names the Azure error code it
predicts (``codes`` says which codes are Azure's and which are ours)."""

from provisioner.rules.validate import errors, validate

__all__ = ["errors", "validate"]
