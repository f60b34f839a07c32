"""The DuckDB catalog: tables, transactional writes, the writer lock and exports."""
