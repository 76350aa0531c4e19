"""Queues: callers wait, agents answer, by a strategy, with memory, priority and callbacks."""
