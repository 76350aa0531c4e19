"""Our own Asterisk Manager Interface client.

No Python AMI client fits a program that runs both under plain threads and
under gevent monkey-patching with one reader thread: panoramisk is asyncio-only,
and pyst2 is unmaintained and spawns a thread per event. So ``protocol`` holds a
pure parser/encoder and ``client`` a small client with a single reader thread.
"""

from .client import AMIClient, AMIConnectionError, AMIError, AMITimeout
from .protocol import Message, Parser, encode_action

__all__ = [
    "AMIClient",
    "AMIConnectionError",
    "AMIError",
    "AMITimeout",
    "Message",
    "Parser",
    "encode_action",
]
