"""services.common.files: files written atomically, an OSError becomes a French UserError
naming the file and the reason (never a crash report)."""

from __future__ import annotations

import errno
import os

import pytest

from backoffice.errors import UserError
from backoffice.services.common.files import (
    FileWriteError,
    ensure_folder,
    os_reason,
    write_atomically,
)


def test_writes_and_replaces_without_leaving_a_temporary(tmp_path):
    target = tmp_path / "liste.pdf"
    assert write_atomically(target, b"%PDF-1 premier") == target
    write_atomically(target, b"%PDF-1 second")
    assert target.read_bytes() == b"%PDF-1 second"
    assert [p.name for p in tmp_path.iterdir()] == ["liste.pdf"]


def test_a_failed_write_keeps_the_previous_file(tmp_path, monkeypatch):
    target = tmp_path / "bordereau.pdf"
    target.write_bytes(b"ancien")

    def refused(_src, _dst):  # Windows: the PDF is open in a reader
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "replace", refused)
    with pytest.raises(UserError) as caught:
        write_atomically(target, b"nouveau")
    assert isinstance(caught.value, FileWriteError) and caught.value.path == target
    assert str(caught.value) == (
        f"Impossible d'écrire le fichier {target} : accès refusé (dossier protégé en écriture, "
        "ou fichier ouvert dans un autre programme)."
    )
    assert target.read_bytes() == b"ancien"
    assert [p.name for p in tmp_path.iterdir()] == ["bordereau.pdf"]


def test_missing_folder_and_a_file_in_the_way(tmp_path):
    with pytest.raises(
        FileWriteError, match="Impossible d'écrire le fichier .* : dossier introuvable"
    ):
        write_atomically(tmp_path / "absent" / "a.pdf", b"x")
    blocker = tmp_path / "factures"
    blocker.write_text("x")
    with pytest.raises(FileWriteError) as caught:
        ensure_folder(blocker)
    assert str(caught.value) == (
        f"Impossible de créer le dossier {blocker} : "
        "un fichier porte déjà ce nom à la place du dossier."
    )
    assert caught.value.reason == "un fichier porte déjà ce nom à la place du dossier"
    assert ensure_folder(tmp_path / "a" / "b") == tmp_path / "a" / "b"
    assert (tmp_path / "a" / "b").is_dir()


def test_reasons_in_french():
    assert os_reason(OSError(errno.ENOSPC, "No space left on device")) == "disque plein"
    assert os_reason(OSError(errno.EROFS, "Read-only file system")) == (
        "le disque est en lecture seule"
    )
    sharing = PermissionError(errno.EACCES, "used by another process")
    sharing.winerror = 32  # ERROR_SHARING_VIOLATION, as Windows sets it
    assert "ouvert dans un autre programme" in os_reason(sharing)
    assert os_reason(OSError(errno.ELOOP, "Too many levels")) == "Too many levels"  # unknown code
    assert os_reason(OSError("sans code")) == "sans code"
