"""Reports: the daily journals generated per shop and period, and their delivery."""
