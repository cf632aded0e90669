"""People and places for the demo data: names by generation, addresses in the
Communauté de communes Sud Sarthe, phones, e-mails on reserved domains, schools,
doctors. Everything is drawn from the ``random.Random`` given, so a seed gives
the same people every time.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

from backoffice.services.common.postcodes import (
    Commune,
    communes_for_postcode,
    communes_of_department,
)
from backoffice.text import fold

# Communes of the Communauté de communes Sud Sarthe with a rough weight (population).
CC_COMMUNES: dict[str, int] = {
    "Le Lude": 40,
    "Mayet": 31,
    "Aubigné-Racan": 21,
    "Pontvallain": 17,
    "Vaas": 16,
    "Luché-Pringé": 16,
    "Mansigné": 16,
    "Château-l'Hermitage": 3,
    "Coulongé": 5,
    "Chenu": 3,
    "La Bruère-sur-Loir": 3,
    "La Chapelle-aux-Choux": 4,
    "Lavernat": 7,
    "Requeil": 9,
    "Saint-Germain-d'Arcé": 4,
    "Saint-Jean-de-la-Motte": 9,
    "Sarcé": 4,
    "Savigné-sous-le-Lude": 4,
    "Thorée-les-Pins": 6,
    "Verneil-le-Chétif": 8,
}
# Communes with a general practitioner (the family doctor is in one of them).
# fmt: off
DOCTOR_COMMUNES = (
    "Le Lude", "Mayet", "Aubigné-Racan", "Pontvallain", "Luché-Pringé", "Mansigné", "Vaas",
)
# Where grand-parents and friends live outside the CC (Sarthe).
OUTSIDE_COMMUNES = (
    "Le Mans", "La Flèche", "Château-du-Loir", "Écommoy", "Sablé-sur-Sarthe", "Allonnes",
    "Coulaines", "Parigné-l'Évêque", "Bazouges Cré sur Loir", "Montval-sur-Loir",
)

WOMEN_PARENTS = (
    "Aurélie", "Émilie", "Julie", "Céline", "Élodie", "Stéphanie", "Sandrine", "Nathalie", "Marie",
    "Laetitia", "Sophie", "Caroline", "Audrey", "Mélanie", "Anne", "Virginie", "Camille", "Sarah",
    "Laura", "Pauline", "Amandine", "Jennifer", "Jessica", "Charlotte", "Vanessa", "Delphine",
    "Karine", "Aurore", "Marion", "Lucie", "Claire", "Anaïs", "Morgane", "Justine", "Cindy",
    "Coralie", "Hélène", "Noémie", "Manon", "Alexandra",
)
MEN_PARENTS = (
    "Nicolas", "Julien", "Sébastien", "Mickaël", "Jérôme", "Anthony", "Christophe", "Guillaume",
    "Maxime", "Romain", "Thomas", "Alexandre", "Cédric", "Damien", "Mathieu", "Kévin", "Jonathan",
    "Fabien", "Yannick", "Ludovic", "Benoît", "Florian", "Vincent", "Franck", "Arnaud", "Grégory",
    "Olivier", "Stéphane", "Pierre", "Antoine", "Jérémy", "Aurélien", "Frédéric", "David",
    "Thibault", "Quentin", "Loïc", "Adrien", "Bastien",
)
GIRLS = (
    "Emma", "Jade", "Louise", "Alice", "Chloé", "Lina", "Léa", "Manon", "Rose", "Anna", "Inès",
    "Camille", "Lola", "Mila", "Zoé", "Léna", "Ambre", "Juliette", "Lou", "Mia", "Agathe",
    "Romane", "Margaux", "Clara", "Sarah", "Lucie", "Jeanne", "Éva", "Nina", "Iris", "Léonie",
    "Capucine", "Margot", "Victoire", "Julia", "Louna", "Maëlys", "Océane", "Clémence", "Elsa",
    "Romy", "Charlie", "Alba", "Olivia", "Adèle", "Luna", "Mathilde", "Maëlle", "Élise",
    "Apolline", "Héloïse", "Nour", "Suzanne", "Gabrielle", "Lisa",
)
BOYS = (
    "Gabriel", "Léo", "Raphaël", "Louis", "Arthur", "Jules", "Maël", "Adam", "Lucas", "Hugo",
    "Noah", "Liam", "Gabin", "Sacha", "Paul", "Nathan", "Aaron", "Tom", "Théo", "Noé", "Léon",
    "Martin", "Ethan", "Mathis", "Timéo", "Nolan", "Enzo", "Clément", "Baptiste", "Axel", "Évan",
    "Valentin", "Maxence", "Antoine", "Victor", "Robin", "Malo", "Eliott", "Naël", "Lenny",
    "Mathéo", "Alexis", "Samuel", "Simon", "Marius", "Côme", "Augustin", "Tiago", "Esteban",
    "Titouan", "Corentin", "Yanis", "Kylian", "Nino", "Oscar",
)
GRANDMOTHERS = (
    "Monique", "Martine", "Brigitte", "Françoise", "Christine", "Sylvie", "Nicole", "Chantal",
    "Dominique", "Catherine", "Michèle", "Annie", "Jacqueline", "Josiane", "Danielle", "Évelyne",
    "Marie-Claude", "Patricia", "Isabelle", "Colette", "Odile", "Maryvonne",
)
GRANDFATHERS = (
    "Jean-Pierre", "Michel", "Alain", "Patrick", "Gérard", "Bernard", "Daniel", "Philippe",
    "Jacques", "Christian", "Jean-Claude", "Serge", "Didier", "Gilles", "Bruno", "Joël", "René",
    "Claude", "Jean-Luc", "Guy", "Roland", "Jean-Marc", "Pascal", "Hubert",
)
LAST_NAMES = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Fontaine", "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet",
    "François", "Legrand", "Garnier", "Faure", "Rousseau", "Guérin", "Henry", "Roussel", "Perrin",
    "Morin", "Mathieu", "Clément", "Gauthier", "Dumont", "Chevalier", "Robin", "Masson", "Boyer",
    "Denis", "Lemaire", "Duval", "Joly", "Roger", "Roy", "Noël", "Lucas", "Meunier", "Marchand",
    "Dufour", "Blanchard", "Barbier", "Brunet", "Leroux", "Colin", "Renard", "Arnaud", "Rolland",
    "Caron", "Aubert", "Giraud", "Leclerc", "Bourgeois", "Renaud", "Lemoine", "Picard", "Gaillard",
    "Lacroix", "Dupuis", "Olivier", "Hubert", "Guillot", "Rivière", "Le Gall", "Guillaume",
    "Berger", "Lecomte", "Ménard", "Fleury", "Deschamps", "Carpentier", "Benoît", "Maillard",
    "Aubry", "Renault", "Jacquet", "Collet", "Prévost", "Poirier", "Charpentier", "Huet", "Baron",
    "Dupuy", "Breton", "Rémy", "Perrot", "Guyot", "Barré", "Cousin", "Cosnard", "Pottier",
    "Boussard", "Chevreau", "Besnard", "Papin", "Cottereau", "Foucault", "Gasnier", "Jousse",
    "Lebreton", "Loiseau", "Marais", "Pelletier", "Ragot", "Tessier", "Trouvé", "Vallée",
    "Hamelin", "Letessier", "Coutard", "Chauvin", "Gaudin", "Launay", "Boulay", "Hureau", "Pichon",
    "Cormier", "Gervais", "Bellanger", "Chollet", "Desnoës", "Fouquet", "Goupil", "Lebouc",
    "Rocher", "Nguyen", "Da Silva", "Ferreira", "Diallo", "Benali", "Yilmaz", "Kowalski",
)
STREET_TYPES = (  # (kind, weight)
    ("rue", 50), ("avenue", 4), ("allée", 6), ("impasse", 8), ("chemin", 6), ("place", 2),
    ("route", 8), ("boulevard", 1), ("square", 1), ("résidence", 2),
)
STREET_NAMES = (
    "de la Mairie", "de l'Église", "du Château", "des Tilleuls", "des Lilas", "des Rosiers",
    "du Stade", "de la Gare", "des Écoles", "du Moulin", "de la Fontaine", "du Lavoir",
    "Victor Hugo", "Jean Jaurès", "Pasteur", "du Général de Gaulle", "de la Libération",
    "du 8 Mai 1945", "des Vignes", "du Loir", "de la Vallée", "des Peupliers", "des Chênes",
    "des Acacias", "du Prieuré", "de la Croix Blanche", "des Vergers", "Saint-Martin", "Ronsard",
    "Racan", "des Forges", "du Bourg", "de la Poste", "des Jardins", "du Pressoir",
    "des Hirondelles", "des Mésanges", "Jules Ferry", "Anatole France", "de la Chapelle",
    "des Prés", "du Petit Bois", "de la Charmille", "des Sablons", "de Tours", "du Mans",
    "de La Flèche", "d'Anjou", "des Coteaux", "de la Source",
)
LIEUX_DITS = (
    "La Grande Métairie", "La Petite Noue", "Les Landes", "La Brosse", "Le Haut Bourg",
    "La Touche", "Les Bruyères", "La Gaudinière", "La Billardière", "Le Grand Pressoir",
    "La Croix Verte", "Les Hautes Roches", "La Chesnaie", "Le Bois Jourdain", "La Pichonnière",
    "La Rivière", "Les Perrières", "La Saulaie", "Le Petit Moulin", "La Huberdière",
)
LOTISSEMENTS = (
    "Lotissement Les Hauts du Loir", "Lotissement Le Clos des Vignes", "Résidence du Parc",
    "Lotissement Les Jardins du Bourg", "Lotissement La Prairie", "Résidence Les Acacias",
)
PROFESSIONS_WOMEN = (
    "Aide-soignante", "Infirmière", "Professeure des écoles", "Employée de commerce",
    "Secrétaire médicale", "Assistante maternelle", "ATSEM", "Agricultrice", "Comptable",
    "Ouvrière agroalimentaire", "Auxiliaire de vie", "Vendeuse", "Coiffeuse",
    "Agente administrative", "Préparatrice en pharmacie", "Sans emploi", "Cheffe de rayon",
)
PROFESSIONS_MEN = (
    "Agriculteur", "Chauffeur routier", "Technicien de maintenance", "Menuisier",
    "Agent de production", "Mécanicien agricole", "Viticulteur", "Maraîcher", "Boulanger",
    "Infirmier", "Conducteur de travaux", "Électricien", "Plombier-chauffagiste", "Cariste",
    "Commercial", "Agent territorial", "Sans emploi", "Gendarme", "Maçon",
)
EMPLOYERS = (
    "", "", "EHPAD du secteur", "Centre hospitalier du Mans", "Éducation nationale",
    "Communauté de communes Sud Sarthe", "Exploitation familiale", "À son compte",
    "Entreprise de transport", "Industrie agroalimentaire", "Grande surface",
    "Conseil départemental de la Sarthe",
)
DOCTOR_NAMES = (
    "Dr Anne Lefèvre", "Dr Philippe Gasnier", "Dr Claire Boutin", "Dr Hervé Moulin",
    "Dr Sophie Tessier", "Dr Marc Chauvin", "Dr Isabelle Huet", "Dr Laurent Papin",
    "Dr Hélène Cormier", "Dr Olivier Rocher", "Dr Cécile Fouquet", "Dr Yves Launay",
)
DOMAINS = ("example.org", "example.net", "example.com")
# fmt: on

# Schools: one public primary school (maternelle + élémentaire) per commune that has one.
PRIMARY_SCHOOLS: dict[str, str] = {
    "Le Lude": "École Jean-de-La-Fontaine",
    "Mayet": "École du Petit Prince",
    "Aubigné-Racan": "École Honorat-de-Racan",
    "Pontvallain": "École des Tilleuls",
    "Vaas": "École du Loir",
    "Luché-Pringé": "École Les Marronniers",
    "Mansigné": "École du Plan d'eau",
    "Coulongé": "École de Coulongé",
    "Lavernat": "École de Lavernat",
    "Requeil": "École de Requeil",
    "Saint-Jean-de-la-Motte": "École de Saint-Jean-de-la-Motte",
    "Thorée-les-Pins": "École de Thorée-les-Pins",
    "Verneil-le-Chétif": "École de Verneil-le-Chétif",
    "La Chapelle-aux-Choux": "École de La Chapelle-aux-Choux",
    "Savigné-sous-le-Lude": "École de Savigné-sous-le-Lude",
    "Sarcé": "École de Sarcé",
}
COLLEGES = (
    "Collège du Lude",
    "Collège de Mayet",
    "Collège d'Aubigné-Racan",
    "Collège de Pontvallain",
)
LYCEES = (
    "Lycée de La Flèche",
    "Lycée de Château-du-Loir",
    "Lycée du Mans",
    "Lycée agricole de La Flèche",
)


@dataclass(frozen=True, slots=True)
class Address:
    line1: str
    line2: str
    commune: Commune


@lru_cache(maxsize=1)
def cc_communes() -> tuple[tuple[Commune, int], ...]:
    """Communes of the CC with their weight, resolved from the postcode file."""
    by_name = {c.name: c for c in communes_of_department("72")}
    found = tuple(
        (by_name[name], weight) for name, weight in CC_COMMUNES.items() if name in by_name
    )
    if not found:  # pragma: no cover - the postcode file ships with the package
        raise LookupError("codes-postaux.csv ne contient pas les communes de la Sarthe")
    return found


@lru_cache(maxsize=1)
def outside_communes() -> tuple[Commune, ...]:
    by_name = {c.name: c for c in communes_of_department("72")}
    return tuple(by_name[name] for name in OUTSIDE_COMMUNES if name in by_name) or tuple(
        c for c, _ in cc_communes()
    )


def commune_named(name: str) -> Commune | None:
    for commune, _ in cc_communes():
        if commune.name == name:
            return commune
    return None


def postcode_neighbours(commune: Commune) -> tuple[Commune, ...]:
    return communes_for_postcode(commune.postcode)


class People:
    """Draws names, addresses and contact details from one random generator."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        communes = cc_communes()
        self._communes = [c for c, _ in communes]
        self._weights = [w for _, w in communes]
        self._emails: set[str] = set()

    # Names -----------------------------------------------------------------
    def last_name(self) -> str:
        return self.rng.choice(LAST_NAMES)

    def parent_first_name(self, female: bool) -> str:
        return self.rng.choice(WOMEN_PARENTS if female else MEN_PARENTS)

    def child_first_name(self, female: bool, taken: set[str]) -> str:
        pool = GIRLS if female else BOYS
        for _ in range(10):
            name = self.rng.choice(pool)
            if name not in taken:
                return name
        return name

    def grandparent_first_name(self, female: bool) -> str:
        return self.rng.choice(GRANDMOTHERS if female else GRANDFATHERS)

    def profession(self, female: bool) -> str:
        return self.rng.choice(PROFESSIONS_WOMEN if female else PROFESSIONS_MEN)

    def employer(self) -> str:
        return self.rng.choice(EMPLOYERS)

    # Places ----------------------------------------------------------------
    def home_commune(self) -> Commune:
        return self.rng.choices(self._communes, weights=self._weights)[0]

    def other_cc_commune(self) -> Commune:
        return self.rng.choice(self._communes)

    def outside_commune(self) -> Commune:
        return self.rng.choice(outside_communes())

    def street(self) -> str:
        rng = self.rng
        kind = rng.choices([k for k, _ in STREET_TYPES], weights=[w for _, w in STREET_TYPES])[0]
        name = rng.choice(STREET_NAMES)
        number = rng.randint(1, 60) if rng.random() < 0.8 else rng.randint(61, 180)
        suffix = rng.choice(("", "", "", "", "", "", " bis", " ter"))
        return f"{number}{suffix} {kind} {name}"

    def address(self, commune: Commune | None = None) -> Address:
        rng = self.rng
        commune = commune or self.home_commune()
        roll = rng.random()
        if roll < 0.18:  # the countryside: a lieu-dit, no number
            return Address(rng.choice(LIEUX_DITS), "", commune)
        line2 = ""
        if roll > 0.9:
            line2 = rng.choice(LOTISSEMENTS)
        elif roll > 0.86:
            line2 = f"Bâtiment {rng.choice('ABC')}, appartement {rng.randint(1, 24)}"
        return Address(self.street(), line2, commune)

    # Contact details -------------------------------------------------------
    def mobile(self) -> str:
        rng = self.rng
        prefix = "06" if rng.random() < 0.7 else "07"
        pairs = [rng.randint(0, 99) for _ in range(4)]
        # Only ranges allocated to mainland mobiles (06 39 and 06 9x are overseas, 07 0x–07 2x unused).
        pairs[0] = 10 + pairs[0] % 80 if prefix == "06" else 30 + pairs[0] % 70
        if prefix == "06" and pairs[0] == 39:
            pairs[0] = 38
        return prefix + "".join(f" {pair:02d}" for pair in pairs)

    def landline(self) -> str:
        rng = self.rng
        return f"02 43 {rng.randint(10, 99):02d} {rng.randint(0, 99):02d} {rng.randint(0, 99):02d}"

    def email(self, first: str, last: str) -> str:
        """A unique address on a domain reserved for examples (RFC 2606)."""
        rng = self.rng
        local_first = fold(first).replace(" ", "-")
        local_last = fold(last).replace(" ", "").replace("'", "")
        style = rng.random()
        if style < 0.5:
            local = f"{local_first}.{local_last}"
        elif style < 0.75:
            local = f"{local_first[0]}{local_last}"
        else:
            local = f"{local_first}{local_last}{rng.randint(1, 99)}"
        domain = rng.choice(DOMAINS)
        address = f"{local}@{domain}"
        n = 2
        while address in self._emails:
            address = f"{local}{n}@{domain}"
            n += 1
        self._emails.add(address)
        return address

    def caf_number(self) -> str:
        return f"{self.rng.randint(1_000_000, 9_999_999)}"

    def msa_number(self) -> str:
        return f"{self.rng.randint(10_000_000, 99_999_999)}"

    def doctor(self) -> tuple[str, str, str]:
        rng = self.rng
        return rng.choice(DOCTOR_NAMES), self.landline(), rng.choice(DOCTOR_COMMUNES)

    # Schools ---------------------------------------------------------------
    def primary_school(self, commune_name: str) -> str:
        """The school of ``commune_name``, or of a bigger neighbour (RPI) if it has none."""
        school = PRIMARY_SCHOOLS.get(commune_name)
        if school is None:
            commune_name = self.rng.choice(("Le Lude", "Mayet", "Aubigné-Racan", "Vaas"))
            school = PRIMARY_SCHOOLS[commune_name]
        return f"{school} ({commune_name})"

    def secondary_school(self, class_index: int, home: str) -> str:
        if class_index >= 12:  # lycée: outside the CC
            return self.rng.choice(LYCEES)
        if home in ("Mayet", "Verneil-le-Chétif", "Sarcé", "Saint-Jean-de-la-Motte", "Lavernat"):
            return COLLEGES[1]
        if home in ("Aubigné-Racan", "Vaas", "Chenu", "La Bruère-sur-Loir", "Coulongé"):
            return COLLEGES[2]
        if home in ("Pontvallain", "Mansigné", "Requeil", "Château-l'Hermitage"):
            return COLLEGES[3]
        return COLLEGES[0]
