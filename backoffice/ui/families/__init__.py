"""The families area: searchable list, family view."""
