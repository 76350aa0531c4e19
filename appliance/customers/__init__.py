"""Customers: the people who call, their numbers and levels, and the business's own CRM."""
