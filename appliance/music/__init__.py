"""Music on hold: collections of uploaded tracks that queues play to waiting callers."""
