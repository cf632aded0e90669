"""Bookings at the desk: a child's week (:mod:`.week`, its cells :mod:`.week_cells`),
booking and un-booking on the family's behalf (:mod:`.planning`, told to the portal by
:mod:`.desk_push`), a site's occupancy and the children expected (:mod:`.occupancy`,
:mod:`.expected_list`), and attendance (:mod:`.attendance`).
"""
