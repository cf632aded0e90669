"""The shared field rules (fieldrules/): each rule on its own, and the copies of the
numbering plan and of the e-mail checks against the libraries they replace."""

from __future__ import annotations

import importlib.util
import json
import random
import subprocess
import sys
from datetime import date
from pathlib import Path

import phonenumbers
import pytest
from email_validator import EmailNotValidError, validate_email

from fieldrules import dates, emails, names, phone_plan, phones, postcodes
from fieldrules.errors import RuleError

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 12, 6)


def _script():
    spec = importlib.util.spec_from_file_location(
        "phone_plan_script", ROOT / "scripts" / "phone_plan.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_rules_import_the_standard_library_only():
    code = (
        "import json, sys\n"
        "before = set(sys.modules)\n"
        "import fieldrules.child_file, fieldrules.dates, fieldrules.emails\n"
        "import fieldrules.names, fieldrules.phones, fieldrules.postcodes\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    loaded = {name.split(".")[0] for name in json.loads(out.stdout)}
    assert loaded - sys.stdlib_module_names == {"fieldrules"}


# -- names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Léa", "Léa"),
        ("  LEFÈVRE-DUPONT ", "LEFÈVRE-DUPONT"),
        ("N'Diaye", "N'Diaye"),
        ("O\u2019Connor", "O\u2019Connor"),
        ("Jean   Pierre", "Jean Pierre"),
        ("Jean\u00a0Pierre", "Jean Pierre"),  # no-break space: a blank
        ("Ze\u0301lie", "Zélie"),  # combining accent composed (NFC)
        ("Żaneta Łukasz", "Żaneta Łukasz"),
        ("Nguyễn", "Nguyễn"),
        ("Hélène d'Arc St.-Cyr", "Hélène d'Arc St.-Cyr"),
    ],
)
def test_names_keep_accents_hyphens_and_apostrophes(typed, kept):
    assert names.person_name(typed, "Nom") == kept


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("MARTIN\u202eNITRAM", "U+202E"),  # right-to-left override
        ("\u202aMartin", "U+202A"),
        ("\u202dMartin", "U+202D"),
        ("\u2066Martin\u2069", "U+2066, U+2069"),  # isolates
        ("\u2067Martin", "U+2067"),
        ("Mar\u200btin", "U+200B"),  # zero-width space
        ("Mar\u200dtin", "U+200D"),  # zero-width joiner
        ("Mar\u2060tin", "U+2060"),  # word joiner
        ("\ufeffMartin", "U+FEFF"),  # byte-order mark
        ("Mar\u00adtin", "U+00AD"),  # soft hyphen
        ("Mar\u200ftin", "U+200F"),  # right-to-left mark
        ("Mar\x00tin", "U+0000"),
        ("Mar\ttin", "U+0009"),
        ("Mar\ntin", "U+000A"),
        ("Mar\x1btin", "U+001B"),
        ("Mar\x85tin", "U+0085"),
        ("Mar\u2028tin", "U+2028"),
        ("Mar\ue000tin", "U+E000"),  # private use
    ],
)
def test_names_refuse_invisible_and_control_characters(typed, shown):
    with pytest.raises(RuleError) as caught:
        names.person_name(typed, "Nom")
    assert caught.value.message == (
        f"Le champ « Nom » contient un caractère invisible ou de contrôle ({shown}) : "
        "retapez-le au clavier sans copier-coller."
    )


def test_names_bounds_and_letters():
    assert names.person_name("A" * 80, "Prénom") == "A" * 80
    with pytest.raises(RuleError, match="ne doit pas dépasser 80 caractères"):
        names.person_name("A" * 81, "Prénom")
    with pytest.raises(RuleError, match="« Prénom » est obligatoire"):
        names.person_name("   ", "Prénom")
    assert names.person_name("", "Prénom", required_=False) == ""
    with pytest.raises(RuleError, match="doit contenir des lettres"):
        names.person_name("1234", "Nom")
    with pytest.raises(RuleError, match="illisible"):
        names.person_name(["Lou"], "Prénom")


# -- dates -----------------------------------------------------------------------------


def test_child_birth_date_in_a_plausible_range():
    assert dates.child_birth_date(TODAY, TODAY) == TODAY
    assert dates.child_birth_date(date(2000, 12, 7), TODAY) == date(2000, 12, 7)  # 25 years
    with pytest.raises(RuleError) as caught:
        dates.child_birth_date(date(2000, 12, 6), TODAY)  # 26 today
    assert caught.value.message == (
        "Le champ « Date de naissance » n'est pas plausible (06/12/2000) : "
        "l'enfant aurait plus de 25 ans."
    )
    with pytest.raises(RuleError, match=r"\(01/01/0001\)"):
        dates.child_birth_date(date(1, 1, 1), TODAY)
    with pytest.raises(RuleError, match="ne peut pas être dans le futur"):
        dates.child_birth_date(date(2026, 12, 7), TODAY)
    with pytest.raises(RuleError, match="« Date de naissance » est obligatoire"):
        dates.child_birth_date(None, TODAY)


def test_vaccination_date_between_birth_and_today():
    birth = date(2018, 5, 3)
    assert dates.vaccination_date(birth, birth, TODAY, "Tétanos") == birth
    assert dates.vaccination_date(TODAY, birth, TODAY, "Tétanos") == TODAY
    assert dates.vaccination_date(None, birth, TODAY, "Tétanos") is None
    with pytest.raises(RuleError) as caught:
        dates.vaccination_date(date(2018, 5, 2), birth, TODAY, "Tétanos")
    assert caught.value.message == (
        "Vaccin « Tétanos » : la date de dernière vaccination (02/05/2018) "
        "précède la naissance de l'enfant (03/05/2018)."
    )
    with pytest.raises(RuleError, match="ne peut pas être dans le futur"):
        dates.vaccination_date(date(2026, 12, 7), birth, TODAY, "Tétanos")


# -- postcodes ---------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["72800", "01000", "20000", "95000", "97400", "98000"])
def test_postcodes_accepted(code):
    assert postcodes.postcode(f" {code} ") == code


@pytest.mark.parametrize(
    "code", ["7280", "728000", "72 800", "ABCDE", "00100", "96000", "99000", "７２８００"]
)
def test_postcodes_refused(code):
    with pytest.raises(RuleError):
        postcodes.postcode(code)


def test_every_postcode_of_the_ban_table_passes_the_rule():
    from backoffice.services.common.postcodes import all_communes

    assert all(postcodes.postcode(c.postcode) == c.postcode for c in all_communes())


# -- phones ------------------------------------------------------------------------------


def test_the_copied_numbering_plan_is_the_installed_phonenumbers_one():
    """After an upgrade of phonenumbers: python scripts/phone_plan.py."""
    script = _script()
    assert phone_plan.FRENCH_PLAN == script.french_plan()
    assert phone_plan.COUNTRY_CODES == script.country_codes()


def _phonenumbers_accepts(number: str) -> bool:
    """The back-office's rule before the shared one (phonenumbers, French regions first)."""
    for region in ("FR", "RE", "YT", "GP", "MQ", "GF", "PM", "BL", "MF"):
        try:
            parsed = phonenumbers.parse(number, region)
        except phonenumbers.NumberParseException:
            return False
        if phonenumbers.is_valid_number(parsed):
            return True
    return False


def test_french_numbers_are_accepted_as_phonenumbers_accepts_them():
    """Every 4-digit prefix 01..–09.., national and international, with random
    endings: the shared rule and phonenumbers agree on each."""
    rng = random.Random(14)
    differences = []
    checked = 0
    for prefix in range(1000, 10000):
        for _ in range(2):
            national = f"{prefix}{rng.randrange(10**5):05d}"  # 9 digits, no trunk 0
            for written in (f"0{national}", f"+33{national}", national):
                checked += 1
                if (phones.normalise(written) is not None) != _phonenumbers_accepts(written):
                    differences.append(written)
    overseas = ["+262692123456", "+262269612345", "+262639001234", "+590690123456"]
    overseas += ["+596696123456", "+594694123456", "+508412345", "+590590271234"]
    for written in overseas:
        checked += 1
        if (phones.normalise(written) is not None) != _phonenumbers_accepts(written):
            differences.append(written)
    assert checked > 50_000
    assert differences == []


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("06 12 34 56 78", "0612345678"),
        ("06.12.34.56.78", "0612345678"),
        ("06-12-34-56-78", "0612345678"),
        ("+33 6 12 34 56 78", "0612345678"),
        ("+33 (0)6 12 34 56 78", "0612345678"),
        ("0033 6 12 34 56 78", "0612345678"),
        ("612345678", "0612345678"),
        ("0692 12 34 56", "0692123456"),
        ("+262 692 12 34 56", "0692123456"),
        ("0800 12 34 56", "0800123456"),
        ("+44 20 7946 0958", "+442079460958"),
        ("0032 2 555 12 12", "+3225551212"),
    ],
)
def test_phone_forms(typed, number):
    assert phones.phone(typed, "Téléphone") == number


@pytest.mark.parametrize(
    "typed",
    [
        "12",
        "0700000000",
        "0000000000",
        "06 12 34 56 7",
        "06 12 34 56 789",
        "+999 123 456 789",
        "+33 0 6 12 34 56 78",
        "06 12 34 56 78 poste 12",
        "06 12 34 56 78\u202e",
        "+1234",
    ],
)
def test_phones_refused(typed):
    with pytest.raises(RuleError) as caught:
        phones.phone(typed, "Téléphone")
    assert caught.value.message == (
        "Le champ « Téléphone » doit être un numéro de téléphone valide (10 chiffres, ou +33…)."
    )


# -- e-mails -----------------------------------------------------------------------------

ADDRESSES = [
    "claire.martin@example.fr",
    "Claire.Martin@Example.FR",
    "claire+factures@example.fr",
    "c.o'neil@example.co.uk",
    "élodie@exemple.fr",
    "x@bücher.ch",
    "a_b-c@sub.domain.example",
    "claire@@example.fr",
    "claire@example",
    "claire martin@example.fr",
    ".claire@example.fr",
    "claire.@example.fr",
    "cla..ire@example.fr",
    '"claire martin"@example.fr',
    "claire@[192.0.2.1]",
    "claire@-example.fr",
    "claire@example-.fr",
    "claire@ex_ample.fr",
    "claire@123.456",
    "claire@localhost",
    "claire@example.fr\u202e",
    "@example.fr",
    "claire@",
    "a" * 64 + "@example.fr",
]


@pytest.mark.parametrize("address", ADDRESSES)
def test_emails_as_email_validator_judged_them(address):
    try:
        expected = validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError:
        expected = None
    assert emails.normalise(address) == expected


def test_the_part_before_the_at_sign_is_at_most_64_bytes():
    """RFC 5321's limit, which email-validator does not enforce: mail servers do."""
    assert emails.normalise("a" * 65 + "@example.fr") is None
    assert emails.normalise("é" * 32 + "@example.fr") == "é" * 32 + "@example.fr"
    assert emails.normalise("é" * 33 + "@example.fr") is None


def test_email_messages():
    assert emails.email(" Claire@Example.FR ", "E-mail") == "Claire@example.fr"
    assert emails.email("", "E-mail") == ""
    with pytest.raises(RuleError, match="« E-mail » est obligatoire"):
        emails.email("", "E-mail", required_=True)
    with pytest.raises(RuleError) as caught:
        emails.email("claire@@example.fr", "E-mail")
    assert caught.value.message == "Le champ « E-mail » doit être une adresse e-mail valide."
