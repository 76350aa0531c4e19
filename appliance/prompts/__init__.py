"""Prompts: recorded announcements an IVR plays, uploaded or recorded from a phone."""
