"""Writing the unified record in the formats others load (MARC 21)."""
