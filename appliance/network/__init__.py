"""The box's own network and clock: addresses, DNS, host name, time zone, NTP."""
