"""Time conditions: a weekly schedule and holidays decide where a call goes (day/night service)."""
