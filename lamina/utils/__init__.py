"""Utilities shared across lamina (nested structures, config serialization)."""
