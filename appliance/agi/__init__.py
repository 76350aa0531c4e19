"""FastAGI: where Asterisk's dial plan asks the supervisor what to do next."""
