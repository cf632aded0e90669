"""Reusable form widgets: labelled fields that show their error, French phones,
dates typed as digits, postcode → commune with completion (BAN data)."""

from backoffice.ui.widgets.commune import PostcodeCommuneField
from backoffice.ui.widgets.dates import DateField, parse_french_date
from backoffice.ui.widgets.form_field import ERROR_COLOUR, FormField, set_invalid
from backoffice.ui.widgets.phone import PhoneField

__all__ = [
    "ERROR_COLOUR",
    "DateField",
    "FormField",
    "PhoneField",
    "PostcodeCommuneField",
    "parse_french_date",
    "set_invalid",
]
