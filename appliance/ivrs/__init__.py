"""IVRs: voice menus. A prompt plays, the caller presses a key, the call goes there."""
