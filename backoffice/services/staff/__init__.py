"""Staff accounts of the back-office: roles, the medical right, régies, passwords, login."""
