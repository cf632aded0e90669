"""A child's file, the five blocks of the parents' « Enfant » form: information
(:mod:`.editing`), medical record (:mod:`.medical`, health data), emergency contacts and
authorised pick-up persons (:mod:`.contacts`), consents (:mod:`.consents`); what is
missing from a file (:mod:`.completeness`, :mod:`.incomplete`) and the reference lists
of the fiche sanitaire (:mod:`.reference`). The editor saves its blocks together with
:mod:`.saving`.
"""
