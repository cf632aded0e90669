"""Demo data (not domain code): the Sud Sarthe catalogue (:mod:`.catalogue`), people and
places (:mod:`.people`), child files (:mod:`.child_files`), bookings (:mod:`.bookings`),
pending requests (:mod:`.requests`) and last month's billing (:mod:`.billing`);
:func:`.load.load_demo` loads them all, deterministic per seed.
"""
