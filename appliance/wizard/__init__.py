"""The setup wizard: an installer's answers, step by step, applied at the end as one change."""
