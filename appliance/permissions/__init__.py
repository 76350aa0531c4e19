"""Outbound permission classes: which kinds of outside numbers a phone, or the box acting for
someone, may dial."""
