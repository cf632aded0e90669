"""Registering and unregistering a child at the desk (issue #15 item 1)."""
