"""Call routes: inbound (a trunk's call to a destination) and outbound (a dialled number to trunks)."""
