"""Azure load balancer knowledge as pure functions: each check names the Azure error code it predicts."""
