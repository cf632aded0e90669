"""The catalogue (sites, activities, periods, units, capacities, rules, tariffs) as a
TOML file: read and validated (:mod:`.parse` into :mod:`.parsed`, with the file's
:mod:`.vocabulary`), applied in one transaction (:mod:`.apply`, :mod:`.import_report`),
written back (:mod:`.export`); :mod:`.import_export` is the entry point. The French
school calendar the periods follow is :mod:`.school_calendar`.
"""
