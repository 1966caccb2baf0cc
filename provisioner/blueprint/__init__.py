"""The blueprint format: model, YAML loading with source positions, load errors."""
