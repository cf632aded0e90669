"""« Dossiers incomplets »: every child whose file lacks something, and what."""
