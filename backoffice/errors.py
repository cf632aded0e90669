"""Expected problems: each carries a French message meant for the agent.

Anything else is a bug and goes to the crash handler (GUI) or a traceback (CLI).
"""


class UserError(Exception):
    """An expected problem (bad input, missing record, database unreachable…)."""
