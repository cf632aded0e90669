"""« Aperçu du lot »: what issuing would bill, per family, and the anomalies to look at."""

from __future__ import annotations

from backoffice.services.billing import Anomaly, RunPreview
from backoffice.services.billing.runs import FamilyTotal
from backoffice.ui.billing.period import period_text
from backoffice.ui.billing.table import Column, RowsModel, day, make_view, money
from backoffice.ui.qt import QLabel, QSplitter, Qt, QVBoxLayout, QWidget

FAMILY_COLUMNS = (
    Column("Famille", lambda f: f.code, width=75),
    Column("Nom", lambda f: f.name, width=170),
    Column("Facturé à", lambda f: f.billing_name, width=210),
    Column("Lignes", lambda f: str(f.lines), amount=True, width=65),
    Column("Total", lambda f: money(f.total), amount=True, width=105),
    Column(
        "Anomalies",
        lambda f: " · ".join(f.anomalies),
        tooltip=lambda f: "\n".join(f.anomalies),
    ),
)
ANOMALY_COLUMNS = (
    Column(
        "Anomalie",
        lambda a: a.label,  # blocking ones say so, and are red
        width=420,
        tooltip=lambda a: a.text(),
    ),
    Column("Famille", lambda a: f"{a.family_code} {a.family_name}", width=190),
    Column("Enfant", lambda a: a.child, width=150),
    Column("Jour", lambda a: day(a.day), width=90),
    Column("Détail", lambda a: a.detail),
)


def summary_text(preview: RunPreview) -> str:
    text = (
        f"<b>{preview.regie}</b> — {preview.regie_name}, "
        f"{period_text(preview.start, preview.end)} : "
        f"<b>{len(preview.families)}</b> facture(s), {preview.line_count} ligne(s), "
        f"total <b>{money(preview.total)}</b>."
    )
    if preview.blocking:
        text += (
            f" <span style='color:#a40000'><b>{len(preview.blocking)} anomalie(s) "
            "bloquante(s)</b> : à corriger dans le catalogue avant d'émettre.</span>"
        )
    elif preview.anomalies:
        text += f" {len(preview.anomalies)} anomalie(s) à vérifier (non bloquantes)."
    elif not preview.families:
        text += " Rien à facturer."
    return text


class PreviewPanel(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.preview: RunPreview | None = None
        self.summary = QLabel(
            "Choisissez la régie et la période, puis « Aperçu » : le total par famille et "
            "les anomalies s'affichent ici, sans rien enregistrer."
        )
        self.summary.setWordWrap(True)
        self._blocked: set[int] = set()  # families with a blocking anomaly
        self.families = RowsModel(
            FAMILY_COLUMNS, self, alert=lambda f: f.family_id in self._blocked
        )
        self.families_view = make_view(self.families, "Total par famille", wrap=True)
        self.anomalies = RowsModel(ANOMALY_COLUMNS, self, alert=lambda a: a.blocking)
        self.anomalies_view = make_view(self.anomalies, "Anomalies du lot", wrap=True)
        self.anomalies_title = QLabel("<b>Anomalies</b>")
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(self.anomalies_title)
        bottom_layout.addWidget(self.anomalies_view, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.families_view)
        splitter.addWidget(bottom)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(splitter, 1)

    def show_preview(self, preview: RunPreview) -> None:
        self.preview = preview
        self.summary.setText(summary_text(preview))
        self._blocked = {a.family_id for a in preview.blocking}
        self.families.set_rows(preview.families)
        # Blocking first, then by family and day.
        ordered = sorted(
            preview.anomalies,
            key=lambda a: (not a.blocking, a.family_code, a.day.toordinal() if a.day else 0),
        )
        self.anomalies.set_rows(ordered)
        self.anomalies_title.setText(f"<b>Anomalies</b> ({len(ordered)})")

    def clear(self, text: str = "") -> None:
        self.preview = None
        self.families.set_rows([])
        self.anomalies.set_rows([])
        self.anomalies_title.setText("<b>Anomalies</b>")
        if text:
            self.summary.setText(text)

    def family_rows(self) -> list[FamilyTotal]:
        return self.families.rows

    def anomaly_rows(self) -> list[Anomaly]:
        return self.anomalies.rows
