"""Matching and merging records of the same work (print, electronic, vendor, repository)."""
