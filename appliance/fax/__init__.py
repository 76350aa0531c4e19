"""Received faxes: the receiver's outcome recorded, the TIFF kept as PDF, listed and deleted."""
