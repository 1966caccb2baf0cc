"""Targets (credential, clients), the executor (graph walk, LROs, ETags) and retry policy."""
