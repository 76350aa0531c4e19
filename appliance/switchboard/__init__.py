"""The switchboard: what a phone user changes from the keypad (do-not-disturb, forwarding) and the
live state desk phones watch (BLF hints)."""
