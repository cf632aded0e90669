"""The one widget kit of the back-office's forms, dialogs and areas.

Fields with their error line (form_field, labels), French dates and phones,
postcode → commune with completion (BAN data), yes/no, dialog buttons, the area
toolbar, and the site/activity pickers (site_activity, imported from its module).
"""

from backoffice.ui.widgets.area_toolbar import AreaToolbar, area_shortcut
from backoffice.ui.widgets.commune import PostcodeCommuneField
from backoffice.ui.widgets.dates import DateField
from backoffice.ui.widgets.dialog_parts import ok_cancel
from backoffice.ui.widgets.form_field import FieldErrorsView, FormField, set_invalid
from backoffice.ui.widgets.labels import (
    ERROR_BACKGROUND,
    ERROR_COLOUR,
    MANDATORY_LEGEND,
    ErrorLabel,
    mandatory,
    muted_label,
)
from backoffice.ui.widgets.phone import LANDLINE_PLACEHOLDER, PhoneField
from backoffice.ui.widgets.yes_no import YesNo

__all__ = [
    "ERROR_BACKGROUND",
    "ERROR_COLOUR",
    "LANDLINE_PLACEHOLDER",
    "MANDATORY_LEGEND",
    "AreaToolbar",
    "DateField",
    "ErrorLabel",
    "FieldErrorsView",
    "FormField",
    "PhoneField",
    "PostcodeCommuneField",
    "YesNo",
    "area_shortcut",
    "mandatory",
    "muted_label",
    "ok_cancel",
    "set_invalid",
]
