"""The year's catalogue edited from « Paramètres »: régies, sites, activités, périodes,
fermetures, règles de réservation, fenêtres de paiement.

One module per thing; :mod:`.checks` holds the checks shared with the catalogue TOML
import (:mod:`backoffice.services.catalogue`). Every function takes
``(session, actor, …)``, is reserved to the direction and the administrator, is
recorded in the audit trail and queues for the portal what parents see.
"""
