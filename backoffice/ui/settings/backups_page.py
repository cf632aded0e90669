"""« Sauvegardes » (Paramètres): the folder, the last backups, back up now, restore."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from backoffice.services.backup import service
from backoffice.services.backup.files import BackupFile, set_backup_folder
from backoffice.services.common.actors import Actor
from backoffice.storage import Database
from backoffice.ui import dialogs, files
from backoffice.ui.qt import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from backoffice.ui.tasks import TaskRunner

COLUMNS = ["Date de la sauvegarde", "Fichier", "Taille"]


def size_label(size: int) -> str:
    if size < 1024 * 1024:
        return f"{max(size, 1) / 1024:.0f} Ko".replace(".", ",")
    return f"{size / (1024 * 1024):.1f} Mo".replace(".", ",")


class BackupsPage(QWidget):
    def __init__(
        self, db: Database, actor: Actor, runner: TaskRunner, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.db, self.actor, self.runner = db, actor, runner
        self.backups: list[BackupFile] = []

        title = QLabel("Sauvegardes")
        title.setProperty("role", "page-title")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        title.setFont(font)
        if db.is_sqlite:
            text = (
                "La base est copiée à la fermeture du back-office et une fois par jour "
                "s'il reste ouvert. Sont gardées : la dernière sauvegarde de chacun des "
                "7 derniers jours, des 4 dernières semaines et des 12 derniers mois."
            )
        else:
            text = (
                "Base PostgreSQL : « Sauvegarder maintenant » lance pg_dump ; planifiez "
                "« backoffice-cli backup » chaque nuit sur le serveur (voir la documentation). "
                "Même règle de conservation : 7 jours, 4 semaines, 12 mois."
            )
        explanation = QLabel(text)
        explanation.setWordWrap(True)

        self.folder = QLineEdit()
        self.folder.setReadOnly(True)
        self.folder.setAccessibleName("Dossier des sauvegardes")
        self.change_folder = QPushButton("Changer de dossier…")
        self.change_folder.clicked.connect(self._choose_folder)
        self.open_folder = QPushButton("Ouvrir le dossier")
        self.open_folder.clicked.connect(self._open_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(QLabel("Dossier :"))
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.change_folder)
        folder_row.addWidget(self.open_folder)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setAccessibleName("Dernières sauvegardes")
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)

        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.backup_button = QPushButton("Sauvegarder maintenant")
        self.backup_button.clicked.connect(self.backup_now)
        self.restore_button = QPushButton("Restaurer…")
        self.restore_button.clicked.connect(self.restore)
        buttons = QHBoxLayout()
        buttons.addWidget(self.backup_button)
        buttons.addWidget(self.restore_button)
        buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(explanation)
        layout.addLayout(folder_row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)

    # -- reading -------------------------------------------------------------

    def refresh(self) -> None:
        def work():
            folder = service.folder_of(self.db, self.actor)
            return folder, service.list_backups(folder)

        self.runner.run(work, self._show, label="Lecture des sauvegardes…", parent=self)

    def _show(self, result: tuple[Path, list[BackupFile]]) -> None:
        folder, self.backups = result
        self.folder.setText(str(folder))
        self.table.setRowCount(len(self.backups))
        for row, backup in enumerate(self.backups):
            cells = [
                backup.taken_at.strftime("%d/%m/%Y à %H:%M"),
                backup.name,
                size_label(backup.size),
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 2:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(row, column, item)
        if not self.backups:
            text = "Aucune sauvegarde dans ce dossier pour l'instant."
        else:
            text = f"{len(self.backups)} sauvegarde(s) conservée(s)."
        auto = getattr(self.window(), "auto_backup", None)  # ui/auto_backup.AutoBackup
        if auto is not None and auto.last_error:
            text += f"\nLa dernière sauvegarde automatique a échoué : {auto.last_error}"
        self.status.setText(text)

    # -- actions -------------------------------------------------------------

    def _choose_folder(self) -> None:
        chosen = files.choose_folder(
            self, "Dossier des sauvegardes", Path(self.folder.text() or ".")
        )
        if chosen is None:
            return

        def work():
            service.require_backup_role(self.actor)
            with self.db.session() as session:
                set_backup_folder(session, chosen)

        self.runner.run(work, lambda _r: self.refresh(), parent=self)

    def _open_folder(self) -> None:
        if self.folder.text():
            files.open_file(Path(self.folder.text()))

    def backup_now(self) -> None:
        def done(path: Path) -> None:
            self.refresh()
            self.status.setText(f"Sauvegarde écrite : {path.name}.")

        self.runner.run(
            lambda: service.backup_now(self.db, self.actor),
            done,
            label="Sauvegarde de la base…",
            parent=self,
        )

    def restore(self) -> None:
        if not self.db.is_sqlite:
            dialogs.information(
                self,
                "Une base PostgreSQL se restaure sur le serveur, dans une base neuve : "
                "« backoffice-cli restore FICHIER » (voir la documentation des sauvegardes).",
            )
            return
        candidate = files.choose_file(
            self,
            "Sauvegarde à restaurer",
            Path(self.folder.text() or "."),
            "Sauvegardes (*.sqlite3)",
        )
        if candidate is None:
            return
        confirmed = dialogs.ask(
            self,
            f"Restaurer la sauvegarde « {candidate.name} » ?\n\n"
            "Le fichier est d'abord vérifié ; la base actuelle est ensuite remplacée (elle "
            "est conservée à côté, renommée avec la date). Le back-office se fermera : "
            "relancez-le pour rouvrir la base restaurée.",
            yes="Restaurer et fermer",
            no="Annuler",
            unattended=False,
        )
        if not confirmed:
            return
        url = self.db.url
        self.db.dispose()  # no connection may stay open on the file being replaced

        def done(kept: Path | None) -> None:
            dialogs.information(
                self,
                "La sauvegarde a été restaurée."
                + (f"\nL'ancienne base est conservée : {kept.name}." if kept else "")
                + "\nLe back-office va se fermer ; relancez-le.",
            )
            app = QApplication.instance()
            if app is not None and not dialogs.no_dialogs():
                app.quit()

        self.runner.run(
            lambda: service.restore(url, self.actor, candidate, datetime.now()),
            done,
            label="Vérification et restauration…",
            parent=self,
        )
