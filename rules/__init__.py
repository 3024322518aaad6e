"""Pure programme rules: contributions, coverage and status, benefits, NIK, dates, phones, regions and time zones."""
