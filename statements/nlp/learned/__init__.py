"""Features, training examples and decoding of the learned attribution taggers (no Django)."""
