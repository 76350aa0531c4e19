"""WireGuard links: the box's own interface, its keys and its peers (branches, remote seats)."""
