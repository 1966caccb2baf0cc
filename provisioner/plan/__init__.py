"""Read live state, normalise what Azure fills in, diff against the desired state."""
