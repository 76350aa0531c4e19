"""Tickets of a service hotline (12345): cases with a number, dispatched to departments."""
