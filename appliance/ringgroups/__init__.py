"""Ring groups: one number that rings several extensions, all at once or in order."""
