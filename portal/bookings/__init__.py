"""Bookings, guide §6: registrations, the weekly planning, the draft and its validation,
places, and the back-office's decisions (on the parents' requests and at the desk).

A parent ticks and unticks days into a draft (nothing is decided yet), reviews it, then
validates: each day is decided by the activity's rules (:mod:`portal.rules`), places are
taken atomically (:mod:`portal.bookings.places`), and each day goes to the change feed
with its decision and the reason, in French.
"""
