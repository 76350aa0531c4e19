"""Surveys: questions callers answer with keys, after a queue's call or called by a campaign."""
