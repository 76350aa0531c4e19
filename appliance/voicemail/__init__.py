"""Voicemail messages as Asterisk keeps them in its spool."""
