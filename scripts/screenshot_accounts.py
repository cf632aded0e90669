"""Screenshots of the account dialog and the account actions bar, rendered offscreen.

    .venv/bin/python scripts/screenshot_accounts.py [--out docs/screenshots]

Uses a temporary database with one family (for the duplicates shot). Saves
``open-account-empty.png``, ``open-account-errors.png`` (and ``-children``),
``open-account-duplicates.png`` and ``account-actions.png``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import date
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("BACKOFFICE_NO_DIALOGS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TODAY = date(2026, 11, 27)
SIZE = (1220, 740)  # what the dialog asks for on a 1280×800 screen


def existing_family(db, actor) -> int:
    from backoffice.models import AllowanceScheme, Sex
    from backoffice.services.families.accounts import (
        AccountForm,
        ChildForm,
        GuardianForm,
        open_account,
    )

    form = AccountForm(
        family_name="LEMOINE",
        address_line1="12 rue du Mail",
        postcode="72800",
        commune="Le Lude",
        phone="02 43 94 00 12",
        login_email="sophie.lemoine@example.org",
        allowance_scheme=AllowanceScheme.CAF,
        allowance_number="1234567",
        quotient=712,
        quotient_from=date(2026, 1, 1),
        guardians=[
            GuardianForm(
                last_name="LEMOINE", first_name="Sophie", is_payer=True, mobile_phone="0612345678"
            )
        ],
        children=[ChildForm(first_name="Lou", sex=Sex.FEMALE, birth_date=date(2018, 5, 3))],
    )
    with db.session() as session:
        return open_account(session, actor, form, TODAY).id


def fill(dialog, *, wrong: bool) -> None:
    """Type a form as an agent would (values set directly: no event loop needed)."""
    dialog.family_name.setText("LEMOINE")
    dialog.address_line1.setText("4 impasse des Vignes")
    dialog.commune.set_value("72801" if wrong else "72800", "Le Lude")
    dialog.phone.setText("12" if wrong else "0243940099")
    dialog.login_email.setText("marc.lemoine@@example" if wrong else "marc.lemoine@example.org")
    g1 = dialog.guardian1
    g1.civility.setCurrentText("M.")
    g1.first_name.setText("Marc")
    g1.relationship.setCurrentText("père")
    g1.mobile_phone.setText("06 98 76" if wrong else "0698765432")
    g1.profession.setText("Menuisier")
    children = dialog.children_section
    first = children.rows[0]
    first.first_name.setText("Lou")
    first.sex.setCurrentIndex(1)
    first.birth_date.setText("03/05/2018")
    first.school.setText("École Jean Moulin, Le Lude")
    first.school_class.setCurrentText("CE2")
    second = children.add_row()
    second.first_name.setText("Jules")
    second.sex.setCurrentIndex(0 if wrong else 2)
    second.birth_date.setText("31/02/2021" if wrong else "12/09/2021")
    second.school_class.setCurrentText("MS")
    dialog.allowance.number.setText("" if wrong else "7654321")
    dialog.allowance.quotient.setText("712")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    os.environ.setdefault("BACKOFFICE_DATA_DIR", tmp.name)

    from backoffice.app import install_french
    from backoffice.models import Family
    from backoffice.services.common.actors import current_actor
    from backoffice.services.database import open_database
    from backoffice.ui.accounts import AccountActionsBar, OpenAccountDialog
    from backoffice.ui.qt import QApplication, QVBoxLayout, QWidget

    app = QApplication.instance() or QApplication([sys.argv[0]])
    translators = install_french(app)  # noqa: F841 - kept referenced
    db = open_database(f"sqlite:///{Path(tmp.name) / 'backoffice.sqlite3'}")
    with db.session() as session:
        actor = current_actor(session, "mhuet")
    family_id = existing_family(db, actor)
    args.out.mkdir(parents=True, exist_ok=True)
    saved = []

    def shoot(widget, name: str) -> None:
        for _ in range(3):  # layout requests cascade up one level per pass
            app.processEvents()
        path = args.out / name
        widget.grab().save(str(path))
        saved.append(path)

    dialog = OpenAccountDialog(db, actor, today=TODAY)
    dialog.resize(*SIZE)
    dialog.show()
    shoot(dialog, "open-account-empty.png")

    fill(dialog, wrong=True)
    dialog.save()
    shoot(dialog, "open-account-errors.png")
    dialog.scroll.ensureWidgetVisible(dialog.children_section.rows[1].birth_date, 50, 200)
    shoot(dialog, "open-account-errors-children.png")
    dialog.close()

    dialog = OpenAccountDialog(db, actor, today=TODAY)
    dialog.resize(*SIZE)
    dialog.show()
    fill(dialog, wrong=False)
    dialog.children_section.rows[0].first_name.setText("Lou")
    dialog.save()
    shoot(dialog, "open-account-duplicates.png")
    dialog.close()

    with db.session() as session:
        family = session.get(Family, family_id)
        family.pending_login_email = "s.lemoine@nouvelle-adresse.fr"
    holder = QWidget()
    layout = QVBoxLayout(holder)
    bar = AccountActionsBar(db, actor, family_id)
    layout.addWidget(bar)
    holder.resize(1000, holder.sizeHint().height())
    holder.show()
    shoot(holder, "account-actions.png")
    holder.close()

    print("\n".join(str(p) for p in saved))
    db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
