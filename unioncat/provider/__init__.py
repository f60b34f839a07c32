"""Serving the catalog to the systems that harvest it (OAI-PMH)."""
