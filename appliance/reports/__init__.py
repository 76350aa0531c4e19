"""The reports store: call history derived from Asterisk's queue_log, kept apart from the config database."""
