"""The parents' requests from the portal: the desk's queue (:mod:`.queue`) and what it
shows beside the selection (:mod:`.side_panel`); accepting and refusing them
(:mod:`.decisions`; as the desk's screen takes them, :mod:`.desk`) within capacity
(:mod:`.capacity`), written down and told to the
portal (:mod:`.recording`), undone while the portal has not been told (:mod:`.undo`),
and processed automatically at each sync round (:mod:`.auto_processing`).
"""
