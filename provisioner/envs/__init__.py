"""Environments: ownership tags, expiry, discovery and cleanup."""
