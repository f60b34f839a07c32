"""unioncat: build a union catalog from MARC, OAI-PMH and vendor feeds."""

__version__ = "0.1.0"
