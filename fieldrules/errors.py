"""The one error of the rules: a value refused, with the French sentence to show."""

from __future__ import annotations


class RuleError(ValueError):
    """A refused value; ``message`` is a French sentence naming the field."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def required(label: str) -> RuleError:
    return RuleError(f"Le champ « {label} » est obligatoire.")
