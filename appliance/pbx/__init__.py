"""Everything about Asterisk: config rendering, applying, the process, live state."""
