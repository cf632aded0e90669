"""The child file editor (the five blocks of the parents' "Enfant" form)."""
