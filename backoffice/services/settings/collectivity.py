"""The collectivity: the documents' header and the default folders (« Paramètres ›
Collectivité »).

Keys (``setting`` table): the header read by :func:`documents.invoice_data.issuer_from_settings`
and by the catalogue TOML's ``[collectivite]`` — ``collectivity.name``, ``.address``
(several lines), ``.siret`` (14 digits, Luhn key), ``.logo`` (path of the copy kept in the
data folder), ``.email``, ``.phone`` — plus ``collectivity.legal_mentions`` (printed at the
foot of invoices), ``folders.pdf`` and ``folders.exports`` (where the back-office proposes
to write PDFs and exports; empty: under the data folder, see :mod:`backoffice.paths`).

Administrators only; each changed key is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from backoffice import paths
from backoffice.documents.invoice_data import COLLECTIVITY_KEYS
from backoffice.services.catalogue.vocabulary import Invalid, siret
from backoffice.services.common.actors import Actor
from backoffice.services.common.files import ensure_folder, os_reason, write_atomically
from backoffice.services.common.settings_store import get_settings
from backoffice.services.common.validation import Checker, FieldErrors
from backoffice.services.settings.audited import require_admin, save_settings

LEGAL_MENTIONS = "collectivity.legal_mentions"  # in COLLECTIVITY_KEYS
PDF_FOLDER = "folders.pdf"
EXPORTS_FOLDER = "folders.exports"
HEADER_KEYS = tuple(f"collectivity.{k}" for k in COLLECTIVITY_KEYS)
KEYS = (*HEADER_KEYS, PDF_FOLDER, EXPORTS_FOLDER)

LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_KINDS = {b"\x89PNG\r\n\x1a\n": ".png", b"\xff\xd8\xff": ".jpg"}
LOGO_FOLDER = "logo"  # under the data folder


@dataclass(frozen=True)
class Collectivity:
    name: str = ""
    address: str = ""  # several lines
    siret: str = ""  # 14 digits, no spaces
    logo: str = ""  # path of the copy the PDFs use
    email: str = ""
    phone: str = ""
    legal_mentions: str = ""
    pdf_folder: str = ""
    exports_folder: str = ""


def load(session: Session) -> Collectivity:
    values = get_settings(session, KEYS)
    get = lambda key: values.get(key, "")  # noqa: E731
    return Collectivity(
        name=get("collectivity.name"),
        address=get("collectivity.address"),
        siret=get("collectivity.siret"),
        logo=get("collectivity.logo"),
        email=get("collectivity.email"),
        phone=get("collectivity.phone"),
        legal_mentions=get(LEGAL_MENTIONS),
        pdf_folder=get(PDF_FOLDER),
        exports_folder=get(EXPORTS_FOLDER),
    )


def _logo_kind(path: Path) -> tuple[bytes, str]:
    """The image's bytes and extension; :class:`ValueError` with a French reason."""
    try:
        size = path.stat().st_size
        if size > LOGO_MAX_BYTES:
            raise ValueError(f"trop lourd ({size // 1024} Ko, 2 Mo au plus)")
        data = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"illisible : {os_reason(exc)}") from exc
    for magic, suffix in LOGO_KINDS.items():
        if data.startswith(magic):
            return data, suffix
    raise ValueError("ce n'est pas une image PNG ou JPEG")


def store_logo(source: Path) -> Path:
    """Copy the logo into the data folder (the PDFs keep it if the original moves)."""
    data, suffix = _logo_kind(source)
    folder = ensure_folder(paths.data_dir() / LOGO_FOLDER)
    return write_atomically(folder / f"logo{suffix}", data)


def save(session: Session, actor: Actor, new: Collectivity) -> Collectivity:
    """Check every field (all errors at once, :class:`FieldErrors`), copy a new logo,
    store; returns what is stored. A logo path other than the stored one is a new
    file to copy; an empty one removes the logo."""
    require_admin(actor, "les paramètres de la collectivité")
    check = Checker()
    name = check.required("name", "Nom de la collectivité", new.name)
    if len(name or "") > 200:
        check.fail("name", "Le nom de la collectivité est trop long (200 caractères au plus).")
    address = "\n".join(line.strip() for line in new.address.splitlines() if line.strip())
    if len(address) > 400:
        check.fail("address", "L'adresse est trop longue (400 caractères au plus).")
    try:
        siret_digits = siret(new.siret)
    except Invalid as exc:
        check.fail(
            "siret", f"{exc} (14 chiffres, comme sur l'avis de situation au répertoire Sirene)."
        )
        siret_digits = new.siret
    email = check.email("email", "Courriel de contact", new.email)
    phone = check.phone("phone", "Téléphone de contact", new.phone)
    legal = new.legal_mentions.strip()
    if len(legal) > 1000:
        check.fail("legal_mentions", "Les mentions légales sont trop longues (1000 au plus).")
    folders = {}
    for key, label, value in (
        ("pdf_folder", "Dossier des PDF", new.pdf_folder),
        ("exports_folder", "Dossier des exports", new.exports_folder),
    ):
        value = value.strip()
        if value and not Path(value).is_absolute():
            check.fail(key, f"{label} : indiquez un chemin complet (par exemple C:\\PDF).")
        elif value and Path(value).exists() and not Path(value).is_dir():
            check.fail(key, f"{label} : « {value} » est un fichier, pas un dossier.")
        folders[key] = value
    stored = load(session)
    logo = new.logo.strip()
    if logo and logo != stored.logo:
        try:
            _logo_kind(Path(logo))
        except ValueError as exc:
            check.fail("logo", f"Logo « {Path(logo).name} » : {exc}.")
    if check.errors:
        raise FieldErrors(check.errors)
    if logo and logo != stored.logo:
        logo = str(store_logo(Path(logo)))
    result = Collectivity(
        name=name,
        address=address,
        siret=siret_digits,
        logo=logo,
        email=email,
        phone=phone,
        legal_mentions=legal,
        pdf_folder=folders["pdf_folder"],
        exports_folder=folders["exports_folder"],
    )
    save_settings(
        session,
        actor,
        {
            "collectivity.name": result.name,
            "collectivity.address": result.address,
            "collectivity.siret": result.siret,
            "collectivity.logo": result.logo,
            "collectivity.email": result.email,
            "collectivity.phone": result.phone,
            LEGAL_MENTIONS: result.legal_mentions,
            PDF_FOLDER: result.pdf_folder,
            EXPORTS_FOLDER: result.exports_folder,
        },
    )
    apply_folders(result)
    return result


def apply_folders(collectivity: Collectivity) -> None:
    """Make the chosen folders the defaults of this program (:mod:`backoffice.paths`)."""
    paths.set_output_folders(
        Path(collectivity.pdf_folder) if collectivity.pdf_folder else None,
        Path(collectivity.exports_folder) if collectivity.exports_folder else None,
    )
