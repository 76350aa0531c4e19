"""People who use the web UI and API: the administrator now; supervisors and agents later."""
