"""``unioncat serve``: the cataloger's workbench in a browser (see :mod:`.app`)."""
