"""Blueprint → desired state (SDK model objects), names, tags, dependency graph, guest needs."""
