"""Reusable form widgets: labelled fields that show their error, French phones,
dates typed as digits, postcode → commune with completion (BAN data)."""

from .commune import PostcodeCommuneField
from .dates import DateField, parse_french_date
from .form_field import ERROR_COLOUR, FormField, set_invalid
from .phone import PhoneField

__all__ = [
    "ERROR_COLOUR",
    "DateField",
    "FormField",
    "PhoneField",
    "PostcodeCommuneField",
    "parse_french_date",
    "set_invalid",
]
