"""Callbox: the supervisor that runs an all-in-one call-center box."""

__version__ = "0.1.0"
