"""SIP trunks: the box's lines to a telephone provider."""
