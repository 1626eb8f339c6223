"""Shared plumbing; imports nothing from the features."""
