"""Page groups: a number that makes every member's phone answer by itself and hear the caller."""
