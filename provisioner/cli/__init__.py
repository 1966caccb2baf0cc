"""Command-line interface: thin commands over the core; rendering apart."""
