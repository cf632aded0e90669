"""``backoffice-cli families form-pdf --output FILE``: the blank account-opening form (fillable PDF)."""

from __future__ import annotations

import sys
from pathlib import Path

from backoffice.cli.output import print_json
from backoffice.storage import Database


def cmd_families_form_pdf(db: Database, args) -> int:
    from backoffice.services.common.actors import current_actor
    from backoffice.services.common.files import write_atomically
    from backoffice.services.families.form_pdf import blank_form, publish_form

    with db.session() as session:
        actor = current_actor(session)
        data = blank_form(session, actor)
        path = write_atomically(Path(args.output), data)  # refused: nothing published
        if args.publish:
            publish_form(session, actor)
    if args.json:
        print_json({"output": str(path), "bytes": len(data), "published": args.publish})
    else:
        print(
            f"Formulaire d'ouverture de compte (PDF à remplir) écrit dans {path}"
            f" ({len(data) // 1024} Kio).",
            file=sys.stderr,
        )
        if args.publish:
            print("Il sera publié sur le portail à la prochaine synchronisation.", file=sys.stderr)
    return 0


def add_commands(fam_sub) -> None:
    """``families form-pdf``, added to the ``families`` group."""
    p = fam_sub.add_parser(
        "form-pdf",
        help="écrit le formulaire d'ouverture de compte à remplir (PDF avec champs)",
    )
    p.add_argument("--output", required=True, help="fichier PDF à écrire")
    p.add_argument(
        "--publish",
        action="store_true",
        help="le publie aussi sur le portail (page d'accueil) à la prochaine synchronisation",
    )
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=cmd_families_form_pdf)
