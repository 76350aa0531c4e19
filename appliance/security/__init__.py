"""SIP attack banning: failures from Asterisk's security events and the web layer feed a
ban engine (engine.py) that drops the offending address in nftables (nft.py) and cuts its
live conntrack flows (conntrack.py)."""
