"""The collectivity's settings, as « Paramètres » edits them: the documents' header and
default folders (``collectivity``), the mail server (``smtp``). Each module names its keys,
checks its values and stores them through ``services.common.settings_store``, audited."""
