"""HTTP endpoints, one module per side: staff (back-office), auth and me (parents)."""
