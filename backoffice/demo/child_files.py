"""Demo child files: school and class, fiche sanitaire (vaccines, diseases,
allergies, PAI, doctor), emergency contacts, authorised pick-up persons and
consent answers — about one child in eight with something deliberately missing.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta

from backoffice.demo.bookings import ChildFacts, paris_instant
from backoffice.demo.people import Address, People
from backoffice.models import ConsentDefinition
from backoffice.services.child_file.reference import (
    DISEASES,
    SCHOOL_CLASSES,
    VACCINES,
    compulsory_vaccines,
)

# Age in months at each injection (simplified French schedule); the last one is recorded.
VACCINE_SCHEDULE: dict[str, tuple[int, ...]] = {
    "diphterie": (2, 4, 11, 72, 132),
    "tetanos": (2, 4, 11, 72, 132),
    "poliomyelite": (2, 4, 11, 72, 132),
    "coqueluche": (2, 4, 11, 72, 132),
    "hib": (2, 4, 11),
    "hepatite_b": (2, 4, 11),
    "pneumocoque": (2, 4, 11),
    "meningocoque_c": (5, 12),
    "rougeole": (12, 16),
    "oreillons": (12, 16),
    "rubeole": (12, 16),
}
DISEASE_CHANCE = {
    "varicelle": 0.55,
    "otite": 0.4,
    "angine": 0.3,
    "scarlatine": 0.05,
    "rougeole": 0.01,
}
FOOD_ALLERGIES = ("arachide", "lait de vache", "œuf", "fruits à coque", "kiwi", "poisson", "gluten")
MEDICATION_ALLERGIES = ("pénicilline", "amoxicilline", "ibuprofène", "aspirine")
OTHER_ALLERGIES = ("pollens de graminées", "piqûres de guêpe", "acariens", "poils de chat", "latex")
HISTORY = (
    "Opération des végétations",
    "Fracture du poignet",
    "Bronchiolites à répétition",
    "Convulsions fébriles",
    "Opération des amygdales",
    "Hospitalisation pour déshydratation",
)
CHRONIC_PAI = (
    "Diabète de type 1 : lecteur de glycémie et collation à 10 h",
    "Épilepsie : protocole en cas de crise",
)
# (defect, weight): what an incomplete file lacks.
DEFECTS = (
    ("doctor", 24),
    ("vaccine", 24),
    ("consent", 20),
    ("pickup", 14),
    ("emergency", 6),
    ("allergy_detail", 5),
    ("school", 4),
    ("no_record", 3),
)
INCOMPLETE_SHARE = 0.10  # plus babies whose vaccines are not all due yet


def months_after(day: date, months: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


class FileMaker:
    def __init__(
        self,
        rng: random.Random,
        today: date,
        next_id: Callable[[str], int],
        rows: dict[str, list[dict]],
        consents: Sequence[ConsentDefinition],
        people: People,
    ):
        self.rng = rng
        self.today = today
        self.now = paris_instant(today, 8 * 60)
        self.next_id = next_id
        self.rows = rows
        self.consents = [
            (c.id, c.code, c.mandatory, c.min_age_years, c.asks_detail) for c in consents
        ]
        self.people = people
        self.school_year = today.year if today.month >= 9 else today.year - 1
        self.incomplete = 0
        self._medical: dict[int, dict] = {}

    def _before_now(self, moment: datetime) -> datetime:
        return min(moment, self.now - timedelta(hours=self.rng.randint(1, 72)))

    def age(self, birth: date) -> int:
        years = self.today.year - birth.year
        return years - 1 if (self.today.month, self.today.day) < (birth.month, birth.day) else years

    # Entry point -------------------------------------------------------------
    def children(
        self,
        family_id: int,
        children: list[dict],
        guardians: list[dict],
        address: Address,
        created: datetime,
    ) -> list[ChildFacts]:
        persons = self._persons(family_id, guardians, address, children)
        facts = []
        for child in children:
            defects = self._defects(child)
            school, school_class, school_commune, primary = self._school(child, address, defects)
            birth = child["birth_date"]
            child_created = max(
                created, paris_instant(birth + timedelta(days=self.rng.randint(60, 200)), 600)
            )
            child_created = self._before_now(child_created)
            child.update(
                version=1,
                created_at=child_created,
                updated_at=child_created,
                school=school,
                school_class=school_class,
                notes="",
            )
            self.rows["child"].append(child)
            missing = self._medical_record(child, defects)
            missing |= self._contacts(child, persons, defects)
            missing |= self._consent_answers(child, child_created, defects)
            missing |= "school" in defects
            self.incomplete += missing
            facts.append(
                ChildFacts(
                    id=child["id"],
                    family_id=family_id,
                    first_name=child["first_name"],
                    birth_date=birth,
                    at_primary_school=primary,
                    at_school=bool(school_class),
                    school_commune=school_commune,
                    home_commune=address.commune.name,
                    home_postcode=address.commune.postcode,
                    portal_user=False,
                    created_at=child_created,
                )
            )
        return facts

    def _defects(self, child: dict) -> set[str]:
        rng = self.rng
        if rng.random() >= INCOMPLETE_SHARE:
            return set()
        names, weights = zip(*DEFECTS, strict=True)
        return set(rng.choices(names, weights=weights, k=1 if rng.random() < 0.8 else 2))

    # School ----------------------------------------------------------------
    def _school(
        self, child: dict, address: Address, defects: set[str]
    ) -> tuple[str, str, str, bool]:
        """School, class, the school's commune and whether it is a primary school."""
        rng = self.rng
        birth = child["birth_date"]
        index = self.school_year - birth.year - 3  # 0 = petite section
        if index >= 4 and rng.random() < 0.03:
            index -= 1  # a repeated year
        age = self.age(birth)
        if index == -1 and (age >= 3 or (age >= 2 and rng.random() < 0.15)):
            school_class = "TPS"
        elif 0 <= index < len(SCHOOL_CLASSES) - 1:
            school_class = SCHOOL_CLASSES[index + 1]
        else:
            return "", "", "", False
        if "school" in defects and age >= 3:
            return "", "", "", school_class in SCHOOL_CLASSES[:9]
        if school_class in SCHOOL_CLASSES[:9]:
            name = self.people.primary_school(address.commune.name)
            commune = name[name.rindex("(") + 1 : -1]
            return name, school_class, commune, True
        return self.people.secondary_school(index, address.commune.name), school_class, "", False

    # Medical record ---------------------------------------------------------
    def _medical_record(self, child: dict, defects: set[str]) -> bool:
        """Rows of the fiche sanitaire; True if something compulsory is missing."""
        rng = self.rng
        birth = child["birth_date"]
        age = self.age(birth)
        missing = False
        compulsory = compulsory_vaccines(birth)
        skipped = rng.choice(compulsory) if "vaccine" in defects else None
        for code in VACCINES:
            doses = [m for m in VACCINE_SCHEDULE[code] if months_after(birth, m) < self.today]
            done = bool(doses) and (code in compulsory or rng.random() < 0.85) and code != skipped
            last = None
            if done:
                last = min(
                    months_after(birth, doses[-1]) + timedelta(days=rng.randint(0, 25)),
                    self.today - timedelta(days=1),
                )
            if code == skipped and rng.random() < 0.5:
                done = True  # ticked "Effectué" without the date
            if code in compulsory and not (done and last):
                missing = True
            self.rows["vaccination"].append(
                {
                    "id": self.next_id("vaccination"),
                    "child_id": child["id"],
                    "vaccine": code,
                    "done": done,
                    "last_date": last,
                }
            )
        for code in DISEASES:
            chance = DISEASE_CHANCE.get(code, 0.005) * min(1.0, age / 6)
            self.rows["disease_history"].append(
                {
                    "id": self.next_id("disease_history"),
                    "child_id": child["id"],
                    "disease": code,
                    "had": rng.random() < chance,
                }
            )
        if "no_record" in defects:
            return True
        food = rng.random() < 0.07
        asthma = rng.random() < 0.06
        medication = rng.random() < 0.025
        other = rng.random() < 0.04
        if "allergy_detail" in defects and not (food or asthma or medication or other):
            food = True
        details = []
        if food:
            details.append("Allergie alimentaire : " + rng.choice(FOOD_ALLERGIES))
        if asthma:
            details.append("Asthme (ventoline en cas de crise)")
        if medication:
            details.append("Allergie à : " + rng.choice(MEDICATION_ALLERGIES))
        if other:
            details.append("Allergie : " + rng.choice(OTHER_ALLERGIES))
        pai = ""
        if food and rng.random() < 0.45:
            pai = f"PAI {details[0].split(' : ')[1]} : trousse d'urgence (adrénaline) dans le sac de l'enfant"
        elif asthma and rng.random() < 0.2:
            pai = "PAI asthme : ventoline et chambre d'inhalation confiées à l'équipe"
        elif rng.random() < 0.005:
            pai = rng.choice(CHRONIC_PAI)
        detail = "" if "allergy_detail" in defects else " ; ".join(details)
        observations = []
        glasses = age >= 4 and rng.random() < 0.08
        lenses = age >= 13 and rng.random() < 0.02
        dental = 9 <= age <= 15 and rng.random() < 0.12
        hearing = rng.random() < 0.008
        sleep = age < 7 and rng.random() < 0.04
        enuresis = 4 <= age <= 9 and rng.random() < 0.03
        if glasses:
            observations.append("Porte des lunettes")
        if sleep:
            observations.append("Sieste indispensable l'après-midi")
        if age < 3 and rng.random() < 0.3:
            observations.append("Doudou et tétine pour la sieste")
        doctor, phone, commune = self.people.doctor()
        if "doctor" in defects:
            if rng.random() < 0.6:
                doctor, phone, commune = "", "", ""
            else:
                phone = ""
        record = {
            "id": self.next_id("medical_record"),
            "version": 1,
            "child_id": child["id"],
            "allergy_asthma": asthma,
            "allergy_food": food,
            "allergy_medication": medication,
            "allergy_other": other,
            "allergy_detail": detail,
            "medical_history": rng.choice(HISTORY) if rng.random() < 0.12 else "",
            "wears_glasses": glasses,
            "wears_lenses": lenses,
            "dental_appliance": dental,
            "hearing_aid": hearing,
            "sleep_difficulties": sleep,
            "enuresis": enuresis,
            "observations": ". ".join(observations),
            "doctor_name": doctor,
            "doctor_phone": phone,
            "doctor_commune": commune,
            "has_pai": bool(pai),
            "pai_detail": pai,
            "updated_at": child["created_at"],
        }
        self.rows["medical_record"].append(record)
        self._medical[child["id"]] = record
        missing |= not doctor or not phone
        missing |= bool(details) and not detail
        return missing

    # Persons -----------------------------------------------------------------
    def _persons(self, family_id, guardians, address: Address, children) -> list[dict]:
        rng, people = self.rng, self.people
        mother = next((g for g in guardians if g["civility"] == "Mme"), None)
        father = next((g for g in guardians if g["civility"] == "M."), None)
        wanted: list[tuple[str, str, bool, str]] = []  # relationship, last name, female, where
        maternal = (
            mother["last_name"]
            if mother and (not father or mother["last_name"] != father["last_name"])
            else people.last_name()
        )
        paternal = father["last_name"] if father else people.last_name()
        if rng.random() < 0.8:
            wanted.append(("grand-mère", maternal, True, "near"))
            if rng.random() < 0.6:
                wanted.append(("grand-père", maternal, False, "same"))
        if rng.random() < 0.5:
            wanted.append(("grand-mère", paternal, True, "far"))
        if rng.random() < 0.25:
            wanted.append(("voisin·e", people.last_name(), rng.random() < 0.6, "street"))
        if rng.random() < 0.2:
            wanted.append(
                (
                    rng.choice(("tante", "oncle")),
                    rng.choice((maternal, paternal)),
                    rng.random() < 0.5,
                    "near",
                )
            )
        if rng.random() < 0.12:
            wanted.append(("ami·e de la famille", people.last_name(), rng.random() < 0.6, "near"))
        youngest = max(c["birth_date"] for c in children)
        if (self.today - youngest).days < 4 * 365 and rng.random() < 0.35:
            wanted.append(("assistante maternelle", people.last_name(), True, "near"))
        if not wanted:
            wanted.append(("grand-mère", maternal, True, "near"))
        persons = []
        previous = None
        for relationship, last, female, where in wanted:
            if where == "same" and previous is not None:
                line1, commune = previous["address_line1"], previous["commune"]
                postcode = previous["postcode"]
            else:
                if where == "street":
                    place = address.commune
                elif where == "far":
                    place = people.outside_commune()
                else:
                    place = (
                        people.other_cc_commune()
                        if rng.random() < 0.6
                        else people.outside_commune()
                    )
                line1, commune, postcode = people.street(), place.name, place.postcode
            old = relationship.startswith("grand")
            first = (
                people.grandparent_first_name(female) if old else people.parent_first_name(female)
            )
            person = {
                "id": self.next_id("person"),
                "version": 1,
                "family_id": family_id,
                "last_name": last,
                "first_name": first,
                "relationship_label": relationship,
                "address_line1": line1,
                "postcode": postcode,
                "commune": commune,
                "phone1": people.mobile() if not old or rng.random() < 0.6 else people.landline(),
                "phone2": people.landline() if rng.random() < 0.3 else "",
            }
            persons.append(person)
            self.rows["person"].append(person)
            previous = person
        return persons

    def _contacts(self, child: dict, persons: list[dict], defects: set[str]) -> bool:
        rng = self.rng
        chosen = rng.sample(persons, min(len(persons), rng.randint(1, 3)))
        missing = False
        for position, person in enumerate(chosen):
            emergency = position == 0 or rng.random() < 0.6
            pickup = (
                position == 0
                or rng.random() < 0.7
                or person["relationship_label"] == "assistante maternelle"
            )
            if "emergency" in defects:
                emergency = False
            if "pickup" in defects:
                pickup = False
            if not emergency and not pickup:
                continue
            self.rows["child_contact"].append(
                {
                    "id": self.next_id("child_contact"),
                    "child_id": child["id"],
                    "person_id": person["id"],
                    "position": position,
                    "emergency_contact": emergency,
                    "authorised_pickup": pickup,
                }
            )
        if "emergency" in defects or "pickup" in defects:
            missing = True
        return missing

    def _consent_answers(self, child: dict, created: datetime, defects: set[str]) -> bool:
        rng = self.rng
        age = self.age(child["birth_date"])
        applicable = [c for c in self.consents if c[3] is None or age >= c[3]]
        mandatory = [c for c in applicable if c[2]]
        skipped = rng.choice(mandatory)[0] if "consent" in defects and mandatory else None
        answered = self._before_now(
            created + timedelta(days=rng.randint(0, 5), minutes=rng.randint(0, 600))
        )
        for consent_id, code, _mandatory, _min_age, asks_detail in applicable:
            if consent_id == skipped:
                continue
            chance = 0.45 if "seul" in code else 0.82 if "image" in code else 0.95
            granted = rng.random() < chance
            detail = ""
            if asks_detail and granted:
                detail = rng.choice(("à partir de 17 h", "à partir de 17 h 30", "à partir de 18 h"))
            self.rows["consent_answer"].append(
                {
                    "id": self.next_id("consent_answer"),
                    "child_id": child["id"],
                    "consent_id": consent_id,
                    "granted": granted,
                    "detail": detail,
                    "answered_at": answered,
                }
            )
        return skipped is not None

    # Requests from the portal about a file -------------------------------------
    def change_request(self, family: dict, guardians: list[dict], child: ChildFacts) -> dict:
        rng, people = self.rng, self.people
        entity, field_name = rng.choice(
            [
                ("family", "phone"),
                ("guardian", "mobile_phone"),
                ("guardian", "employer"),
                ("medical_record", "doctor_name"),
                ("medical_record", "allergy_detail"),
            ]
        )
        if entity == "family":
            return {
                "entity": "family",
                "id": family["id"],
                "changes": {field_name: {"old": family["phone"], "new": people.landline()}},
            }
        if entity == "guardian":
            guardian = rng.choice(guardians)
            new = (
                people.mobile()
                if field_name == "mobile_phone"
                else people.employer() or "À son compte"
            )
            return {
                "entity": "guardian",
                "id": guardian["id"],
                "changes": {field_name: {"old": guardian[field_name], "new": new}},
            }
        record = self._medical.get(child.id)
        old = record[field_name] if record else ""
        new = (
            people.doctor()[0]
            if field_name == "doctor_name"
            else ((old + " ; " if old else "") + "Allergie : " + rng.choice(OTHER_ALLERGIES))
        )
        return {
            "entity": "medical_record",
            "id": record["id"] if record else None,
            "child_id": child.id,
            "changes": {field_name: {"old": old, "new": new}},
        }
