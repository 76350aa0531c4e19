"""E1/T1, BRI and analog telephony cards: profiles (hwprofiles/), detection, DAHDI configuration."""
