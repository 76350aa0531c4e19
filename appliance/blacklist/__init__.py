"""The blacklist: caller numbers whose calls from outside the box refuses."""
