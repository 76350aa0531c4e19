"""Desk phone provisioning: claimed phones by MAC, their vendor files, serving them with a
per-device token and digest credentials, SIP PnP answers and check-sync pushes."""
