"""The box's TLS certificate: made at first start, served by the web server and Asterisk.

certificate.py holds the names other parts rely on (see its docstring); manager.py
makes the certificate before Asterisk and the web server start.
"""
