"""Pure programme rules: contributions, benefits, phones, regions, time zones and ages."""
