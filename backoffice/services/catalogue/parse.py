"""Reading a catalogue file: TOML syntax, then every key and value, then the
references between objects. All problems are collected before failing."""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from backoffice.services.catalogue import vocabulary as schema
from backoffice.services.catalogue.parsed import (
    ActivityDoc,
    AgeGroupDoc,
    CapacityDoc,
    CatalogueDocument,
    CatalogueError,
    CatalogueIssue,
    ClosureDoc,
    ConsentDoc,
    LineIndex,
    Path,
    PaymentWindowDoc,
    PeriodDoc,
    RegieDoc,
    RuleDoc,
    SiteDoc,
    TariffDoc,
    UnitDoc,
    describe_path,
)
from backoffice.services.catalogue.vocabulary import Field, Invalid
from backoffice.services.catalogue_edit import checks
from backoffice.services.catalogue_edit.activities import clean_documents
from backoffice.services.catalogue_edit.school_year_check import school_year_problems
from backoffice.services.common import postcodes


class _Reader:
    def __init__(self, text: str, data: dict[str, Any]):
        self.data = data
        self.index = LineIndex(text)
        self.issues: list[CatalogueIssue] = []

    def error(self, path: Path, message: str) -> None:
        self.issues.append(
            CatalogueIssue(describe_path(self.data, path), message, self.index.line_of(path))
        )

    def table(
        self,
        raw: Any,
        path: Path,
        fields: Sequence[Field],
        nested: Iterable[str] = (),
    ) -> dict[str, Any] | None:
        """Converted values by attribute, or None when the table is unusable."""
        if not isinstance(raw, dict):
            self.error(path, "une table est attendue ici")
            return None
        known = {f.key for f in fields} | set(nested)
        for key in raw:
            if key not in known:
                self.unknown_key(path + (key,), key, known)
        values: dict[str, Any] = {}
        ok = True
        for f in fields:
            if f.key not in raw:
                if f.required:
                    self.error(path, f"la clé « {f.key} » manque")
                    ok = False
                values[f.attr] = f.default
                continue
            try:
                values[f.attr] = f.convert(raw[f.key])
            except Invalid as exc:
                self.error(path + (f.key,), str(exc))
                ok = False
        return values if ok else None

    def unknown_key(self, path: Path, key: str, known: Iterable[str]) -> None:
        close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.75)
        hint = (
            f"vouliez-vous écrire « {close[0]} » ?"
            if close
            else "clés possibles : " + ", ".join(sorted(known))
        )
        self.error(path, f"clé inconnue « {key} » ({hint})")

    def items(self, raw: dict[str, Any], key: str, path: Path) -> list[tuple[Path, Any]]:
        """The elements of a list of tables (``[[x]]`` or ``x = [{…}]``) with their paths."""
        value = raw.get(key, [])
        if not isinstance(value, list):
            self.error(path + (key,), "une liste de tables est attendue ici")
            return []
        return [(path + (key, i), item) for i, item in enumerate(value)]

    def dates_in_order(self, path: Path, start, end, start_key="debut", end_key="fin") -> bool:
        if start is not None and end is not None and end < start:
            self.error(
                path + (end_key,),
                f"« {end_key} » ({end:%d/%m/%Y}) précède « {start_key} » ({start:%d/%m/%Y})",
            )
            return False
        return True

    def unique(self, entries: list[tuple[Path, str]], what: str) -> None:
        seen: dict[str, Path] = {}
        for path, value in entries:
            if value in seen:
                self.error(path, f"{what} « {value} » en double")
            else:
                seen[value] = path


def parse_catalogue(text: str, source: str = "catalogue") -> CatalogueDocument:
    """Validate a whole catalogue file; :class:`CatalogueError` lists every problem."""
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        issue = CatalogueIssue("", _syntax_message(exc), _lineno(exc))
        raise CatalogueError(source, [issue]) from None
    reader = _Reader(text, data)
    doc = CatalogueDocument(source=source)
    for key in data:
        if key not in schema.TOP_LEVEL_KEYS:
            reader.unknown_key((key,), key, schema.TOP_LEVEL_KEYS)
    version = data.get("format", schema.FORMAT_VERSION)
    if version != schema.FORMAT_VERSION:
        reader.error(
            ("format",),
            f"version de format {version!r} non prise en charge (attendu {schema.FORMAT_VERSION})",
        )
    if "collectivite" in data:
        values = reader.table(data["collectivite"], ("collectivite",), schema.COLLECTIVITY_FIELDS)
        if values:
            doc.settings = {k: v for k, v in values.items() if v is not None}
    for path, raw in reader.items(data, "regie", ()):
        if regie := _read_regie(reader, raw, path):
            doc.regies.append(regie)
    for path, raw in reader.items(data, "etablissement", ()):
        values = reader.table(raw, path, schema.SITE_FIELDS)
        if values and _site_ok(reader, path, values):
            doc.sites.append(SiteDoc(**values, line=reader.index.line_of(path)))
    for path, raw in reader.items(data, "activite", ()):
        if activity := _read_activity(reader, raw, path):
            doc.activities.append(activity)
    if "calendrier" in data:
        path = ("calendrier",)
        values = reader.table(data["calendrier"], path, (), schema.CALENDAR_LISTS)
        if values is not None:
            doc.closures = _read_closures(reader, data["calendrier"], path)
    for path, raw in reader.items(data, "autorisation", ()):
        if values := reader.table(raw, path, schema.CONSENT_FIELDS):
            doc.consents.append(ConsentDoc(**values))
    _check_references(reader, data, doc)
    if reader.issues:
        ordered = sorted(reader.issues, key=lambda i: i.line if i.line is not None else 1 << 30)
        raise CatalogueError(source, ordered)
    return doc


_TOML_MESSAGES = (
    ("Cannot overwrite a value", "cette clé a déjà une valeur (clé en double ?)"),
    ("Cannot declare", "table déclarée deux fois"),
    ("Cannot mutate immutable namespace", "table déjà écrite en ligne, non modifiable"),
    ("Cannot redefine namespace", "table redéfinie"),
    ("Duplicate inline table key", "clé en double dans une table en ligne"),
    ("Expected '=' after a key", "« = » attendu après une clé"),
    ("Expected ']' at the end", "« ] » attendu à la fin de l'en-tête de table"),
    ("Expected ']]' at the end", "« ]] » attendu à la fin de l'en-tête de liste de tables"),
    ("Invalid date or datetime", "date invalide (AAAA-MM-JJ attendu)"),
    ("Invalid initial character for a key part", "caractère interdit au début d'une clé"),
    ("Invalid statement", "ligne incompréhensible"),
    ("Invalid value", "valeur invalide (texte entre guillemets, nombre, date, true/false…)"),
    ("Unclosed array", "liste non fermée (« ] » manquant)"),
    ("Unclosed inline table", "table en ligne non fermée (« } » manquant)"),
    ("Unterminated string", "texte non fermé (guillemet manquant)"),
    ("Illegal character", "caractère interdit"),
    ("Found invalid character", "caractère invalide"),
)


def _syntax_message(exc: tomllib.TOMLDecodeError) -> str:
    detail = getattr(exc, "msg", None) or str(exc).split(" (at ")[0]
    french = next((fr for en, fr in _TOML_MESSAGES if detail.startswith(en)), None)
    column = getattr(exc, "colno", None)
    if column is None and (match := re.search(r"column (\d+)", str(exc))):
        column = int(match[1])
    where = f", colonne {column}" if column else ""
    return f"syntaxe TOML incorrecte{where} : {french or detail}" + (
        f" [{detail}]" if french else ""
    )


def _lineno(exc: tomllib.TOMLDecodeError) -> int | None:
    if (line := getattr(exc, "lineno", None)) is not None:
        return line
    match = re.search(r"line (\d+)", str(exc))
    return int(match[1]) if match else None


def _read_regie(reader: _Reader, raw: Any, path: Path) -> RegieDoc | None:
    values = reader.table(raw, path, schema.REGIE_FIELDS, schema.REGIE_LISTS)
    windows, seen = [], []
    for wpath, wraw in reader.items(
        raw if isinstance(raw, dict) else {}, "fenetres_paiement", path
    ):
        w = reader.table(wraw, wpath, schema.PAYMENT_WINDOW_FIELDS)
        if w and reader.dates_in_order(wpath, w["start"], w["end"]):
            windows.append(PaymentWindowDoc(**w))
            seen.append((wpath, _span(w["start"], w["end"])))
    reader.unique(seen, "fenêtre de paiement")
    if values is None:
        return None
    return RegieDoc(**values, payment_windows=windows, line=reader.index.line_of(path))


def _site_ok(reader: _Reader, path: Path, values: dict[str, Any]) -> bool:
    postcode, insee = values["postcode"], values["insee_code"]
    if postcode and not (postcode.isdigit() and len(postcode) == 5):
        reader.error(path + ("code_postal",), f"code postal « {postcode} » : 5 chiffres attendus")
        return False
    if insee and postcode:
        known = {c.insee_code for c in postcodes.communes_for_postcode(postcode)}
        if insee not in known:
            hint = ", ".join(sorted(known)) or "aucun"
            reader.error(
                path + ("code_insee",),
                f"le code INSEE « {insee} » ne correspond pas au "
                f"code postal {postcode} (codes connus : {hint})",
            )
            return False
    return True


def _read_closures(reader: _Reader, raw: dict[str, Any], path: Path) -> list[ClosureDoc]:
    closures, seen = [], []
    for cpath, craw in reader.items(raw, "fermetures", path):
        c = reader.table(craw, cpath, schema.CLOSURE_FIELDS)
        if c and reader.dates_in_order(cpath, c["start"], c["end"]):
            closures.append(ClosureDoc(**c))
            seen.append((cpath, _span(c["start"], c["end"])))
    reader.unique(seen, "fermeture")
    return closures


def _span(start, end) -> str:
    return f"du {start:%d/%m/%Y} au {end:%d/%m/%Y}"


def _read_activity(reader: _Reader, raw: Any, path: Path) -> ActivityDoc | None:
    values = reader.table(
        raw, path, schema.ACTIVITY_FIELDS, schema.ACTIVITY_LISTS + schema.ACTIVITY_TABLES
    )
    if not isinstance(raw, dict):
        return None
    if values and values["required_documents"] is not None:
        values["required_documents"], problems = clean_documents(values["required_documents"])
        for problem in problems:
            reader.error(path + ("pieces_a_fournir",), problem.rstrip("."))
        if problems:
            values = None
    if values and values["consents"] is not None:
        values["consents"] = list(dict.fromkeys(values["consents"]))
    activity = ActivityDoc(**values, line=reader.index.line_of(path)) if values else None
    rank_pricing = bool(values and values["rank_pricing"])

    age_groups = []
    for gpath, graw in reader.items(raw, "groupe_age", path):
        if group := _read_age_group(reader, graw, gpath):
            age_groups.append(group)
    reader.unique(
        [
            (p + ("code",), r["code"])
            for p, r in reader.items(raw, "groupe_age", path)
            if isinstance(r, dict) and isinstance(r.get("code"), str)
        ],
        "groupe d'âge",
    )
    group_codes = {g.code for g in age_groups}

    periods = []
    for ppath, praw in reader.items(raw, "periode", path):
        p = reader.table(praw, ppath, schema.PERIOD_FIELDS)
        if (
            p
            and reader.dates_in_order(ppath, p["start"], p["end"])
            and reader.dates_in_order(
                ppath,
                p["booking_opens_on"],
                p["booking_closes_on"],
                "reservation_debut",
                "reservation_fin",
            )
        ):
            periods.append(PeriodDoc(**p))
    _unique_codes(reader, raw, "periode", path, "période")
    _check_periods(reader, path, periods, raw)

    units = []
    for upath, uraw in reader.items(raw, "unite", path):
        if unit := _read_unit(reader, uraw, upath, group_codes, rank_pricing):
            units.append(unit)
    _unique_codes(reader, raw, "unite", path, "unité")

    rule = None
    if "regle" in raw:
        r = reader.table(raw["regle"], path + ("regle",), schema.RULE_FIELDS)
        rule = RuleDoc(**r) if r else None
    closures = _read_closures(reader, raw, path)
    if activity is None:
        return None
    activity.age_groups, activity.periods, activity.units = age_groups, periods, units
    activity.rule, activity.closures = rule, closures
    return activity


def _unique_codes(reader: _Reader, raw: dict, key: str, path: Path, what: str) -> None:
    reader.unique(
        [
            (p + ("code",), r["code"])
            for p, r in reader.items(raw, key, path)
            if isinstance(r, dict) and isinstance(r.get("code"), str)
        ],
        what,
    )


def _read_age_group(reader: _Reader, raw: Any, path: Path) -> AgeGroupDoc | None:
    g = reader.table(raw, path, schema.AGE_GROUP_FIELDS)
    if g is None:
        return None
    if g["min_years"] is not None and g["min_months"] is not None:
        reader.error(path, "donner « age_min » (ans) ou « age_min_mois », pas les deux")
        return None
    if g["max_years"] is not None and g["max_months"] is not None:
        reader.error(path, "donner « age_max » (ans) ou « age_max_mois », pas les deux")
        return None
    low = g["min_months"] if g["min_years"] is None else g["min_years"] * 12
    # "age_max = 5" means up to the eve of the 6th birthday.
    high = g["max_months"] if g["max_years"] is None else g["max_years"] * 12 + 11
    if low is None or high is None:
        reader.error(
            path,
            "l'âge minimum et l'âge maximum sont obligatoires "
            "(« age_min »/« age_max » en ans ou « age_min_mois »/« age_max_mois »)",
        )
        return None
    if high < low:
        reader.error(path, "l'âge maximum est inférieur à l'âge minimum")
        return None
    return AgeGroupDoc(g["code"], g["name"], low, high)


def _read_unit(
    reader: _Reader, raw: Any, path: Path, group_codes: set[str], rank_pricing: bool
) -> UnitDoc | None:
    values = reader.table(raw, path, schema.UNIT_FIELDS, schema.UNIT_LISTS)
    if not isinstance(raw, dict):
        return None
    if values and values["start_time"] and values["end_time"]:
        if values["end_time"] <= values["start_time"]:
            reader.error(path + ("heure_fin",), "l'heure de fin doit suivre l'heure de début")
            values = None
    capacities, seen = [], []
    for cpath, craw in reader.items(raw, "capacites", path):
        c = reader.table(craw, cpath, schema.CAPACITY_FIELDS)
        if c and reader.dates_in_order(cpath, c["start"], c["end"]):
            if c["age_group"] is not None and c["age_group"] not in group_codes:
                reader.error(
                    cpath + ("groupe_age",),
                    f"groupe d'âge « {c['age_group']} » inconnu dans cette activité",
                )
                continue
            capacities.append(CapacityDoc(**c))
            group = f", groupe {c['age_group']}" if c["age_group"] else ""
            seen.append((cpath, _span(c["start"], c["end"]) + group))
    reader.unique(seen, "capacité")
    tariffs = []
    errors_before = len(reader.issues)
    for tpath, traw in reader.items(raw, "tarifs", path):
        t = reader.table(traw, tpath, schema.TARIFF_FIELDS)
        if t is None:
            continue
        if t["qf_max"] is not None and t["qf_max"] < t["qf_min"]:
            reader.error(
                tpath + ("qf_max",), f"qf_max ({t['qf_max']}) inférieur à qf_min ({t['qf_min']})"
            )
            continue
        if t["child_rank"] is not None and not rank_pricing:
            reader.error(
                tpath + ("rang",),
                "tarif par rang alors que l'activité n'a pas « tarif_par_rang = true »",
            )
            continue
        tariffs.append(TariffDoc(**t, line=reader.index.line_of(tpath)))
    if len(reader.issues) == errors_before:  # half-read brackets would mislead
        _check_brackets(reader, path, tariffs)
    if values is None:
        return None
    return UnitDoc(
        **values, capacities=capacities, tariffs=tariffs, line=reader.index.line_of(path)
    )


def _check_brackets(reader: _Reader, path: Path, tariffs: list[TariffDoc]) -> None:
    """Same date and rank: QF brackets must neither repeat, overlap nor leave a gap
    (the checks of the tariff screens, :mod:`backoffice.services.catalogue_edit.checks`)."""
    groups: dict[tuple, list[tuple[int, TariffDoc]]] = {}
    for i, t in enumerate(tariffs):
        groups.setdefault((t.valid_from, t.child_rank), []).append((i, t))
    for (valid_from, rank), items in groups.items():
        label = f"tarif du {valid_from:%d/%m/%Y}" + (f", rang {rank}" if rank else "")
        for problem in checks.bracket_problems([t for _, t in items]):
            where = path + ("tarifs", items[problem.cur][0])
            reader.error(where, f"{label} : {checks.describe_bracket(problem)}")


def _check_periods(reader: _Reader, path: Path, periods: list[PeriodDoc], raw: dict) -> None:
    """Periods of one activity overlapping (same checks as the « Périodes » screen)."""
    spans = [checks.PeriodSpan(p.code, p.kind, p.start, p.end) for p in periods]
    paths = {r.get("code"): p for p, r in reader.items(raw, "periode", path) if isinstance(r, dict)}
    for i, message in checks.period_overlaps(spans):
        reader.error(paths.get(spans[i].code, path), message)
    for span in spans:
        for message in school_year_problems(span.code, span.start, span.end):
            reader.error(paths.get(span.code, path), message.rstrip("."))


def _check_references(reader: _Reader, data: dict[str, Any], doc: CatalogueDocument) -> None:
    def entries(key: str, attr: str = "code") -> list[tuple[Path, Any]]:
        return [
            (p + (attr,), r[attr])
            for p, r in reader.items(data, key, ())
            if isinstance(r, dict) and isinstance(r.get(attr), str)
        ]

    reader.unique(entries("regie"), "code de régie")
    reader.unique(entries("regie", "prefixe_facture"), "préfixe de facture")
    reader.unique(entries("regie", "prefixe_avoir"), "préfixe d'avoir")
    reader.unique(entries("etablissement"), "code d'établissement")
    reader.unique(entries("activite"), "code d'activité")
    reader.unique(entries("autorisation"), "code d'autorisation")
    regie_codes = {r.get("code") for _, r in reader.items(data, "regie", ()) if isinstance(r, dict)}
    site_codes = {
        r.get("code") for _, r in reader.items(data, "etablissement", ()) if isinstance(r, dict)
    }
    for path, raw in reader.items(data, "activite", ()):
        if not isinstance(raw, dict):
            continue
        if isinstance(raw.get("regie"), str) and raw["regie"] not in regie_codes:
            reader.error(
                path + ("regie",),
                f"régie « {raw['regie']} » inconnue : elle doit être "
                "décrite dans le fichier par un [[regie]]",
            )
        site = raw.get("etablissement")
        if isinstance(site, str) and site not in site_codes:
            reader.error(
                path + ("etablissement",),
                f"établissement « {site} » inconnu : il doit "
                "être décrit dans le fichier par un [[etablissement]]",
            )
