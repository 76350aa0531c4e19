"""The phone in the browser: an extension's WebRTC endpoint and what its user's page needs."""
