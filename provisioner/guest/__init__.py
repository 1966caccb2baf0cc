"""Guest OS setup for Floating IP: script renderers, run-command delivery, checks, data path."""
