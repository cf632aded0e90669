"""Reports for outside bodies (CAF figures…): read-only, SQL aggregates, Qt-free."""
