"""The website callback button: a visitor on the business's website leaves a number and the box
calls them back through a queue (the queue callbacks of appliance/callcenter/callbacks.py)."""
