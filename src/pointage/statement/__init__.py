"""Bank statements in the database: import of bank files, their statements and entries."""
