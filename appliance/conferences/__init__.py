"""Conference rooms on ConfBridge: the rooms as config, and each room's parties live."""
