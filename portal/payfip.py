"""PayFiP's « paiement sécurisé » web service (DGFiP), the SOAP side of the protocol.

Two operations of ``PaiementSecuriseService`` (SOAP 1.1 over HTTP):

* ``creerPaiementSecurise(arg0: numcli, exer, refdet, objet, montant, mel, urlnotif,
  urlredirect, saisie)`` → ``return/idOp``: the operation exists at PayFiP; the
  parent's browser goes to ``https://www.payfip.gouv.fr/tpa/paiementws.web?idop=<idOp>``;
* ``recupererDetailPaiementSecurise(arg0: idOp)`` → ``return``: numcli, exer, refdet,
  objet, montant, mel, saisie, resultrans, numauto, dattrans, heurtrans, idOp. While
  the parent has not finished, PayFiP answers a ``FonctionnelleErreur`` with code
  ``P5``; an unknown ``idOp`` gives ``P1``.

PayFiP notifies ``urlnotif`` with the ``idOp`` only; the result is what
``recupererDetailPaiementSecurise`` answers, read here server to server. The answer's
XML is parsed with defusedxml (no entity expansion, no external resources).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.etree.ElementTree import Element, SubElement, tostring

import requests
from defusedxml.common import DefusedXmlException
from defusedxml.ElementTree import fromstring

PAYFIP_PAGE_URL = "https://www.payfip.gouv.fr/tpa/paiementws.web"  # ?idop=…
PAYFIP_WS_URL = "https://www.payfip.gouv.fr/tpa/services/securite"  # ?wsdl: the description
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SERVICE_NS = (
    "http://securite.service.tpa.cp.finances.gouv.fr/services/mas_securite/"
    "contrat_paiement_securise/PaiementSecuriseService"
)
CREATE_FIELDS = (
    "exer",
    "mel",
    "montant",
    "numcli",
    "objet",
    "refdet",
    "saisie",
    "urlnotif",
    "urlredirect",
)
DETAIL_FIELDS = (
    "dattrans",
    "exer",
    "heurtrans",
    "idOp",
    "mel",
    "montant",
    "numauto",
    "numcli",
    "objet",
    "refdet",
    "resultrans",
    "saisie",
)
IDOP_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
IN_PROGRESS = "P5"  # « paiement en cours » : no result yet
UNKNOWN_OPERATION = "P1"
MAX_ANSWER_BYTES = 64 * 1024


class PayfipError(Exception):
    """The web service could not be reached or refused (French message, ``code`` if any)."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Detail:
    """``recupererDetailPaiementSecurise``'s answer, as text fields."""

    fields: dict[str, str]

    def get(self, name: str) -> str:
        return self.fields.get(name, "").strip()


def local(tag: str) -> str:
    """An element's name without its namespace."""
    return tag.rsplit("}", 1)[-1]


def envelope(operation: str, arg0: dict[str, str]) -> bytes:
    """A SOAP 1.1 request: ``<operation><arg0><field>…</field></arg0></operation>``."""
    env = Element(f"{{{SOAP_ENV}}}Envelope")
    SubElement(env, f"{{{SOAP_ENV}}}Header")
    body = SubElement(env, f"{{{SOAP_ENV}}}Body")
    call = SubElement(body, f"{{{SERVICE_NS}}}{operation}")
    arg = SubElement(call, "arg0")
    for name, value in arg0.items():
        SubElement(arg, name).text = value
    return tostring(env, encoding="utf-8", xml_declaration=True)


def parse_xml(content: bytes) -> Element:
    """Untrusted XML, read safely (defusedxml); ValueError if unreadable or unsafe."""
    if len(content) > MAX_ANSWER_BYTES:
        raise ValueError("réponse trop volumineuse")
    try:
        return fromstring(content)
    except (DefusedXmlException, SyntaxError) as exc:  # ParseError is a SyntaxError
        raise ValueError("XML illisible") from exc


def body_call(root: Element) -> Element:
    """The first element inside the envelope's ``Body``."""
    if local(root.tag) != "Envelope":
        raise ValueError("pas une enveloppe SOAP")
    body = next((child for child in root if local(child.tag) == "Body"), None)
    if body is None or len(body) == 0:
        raise ValueError("enveloppe SOAP sans corps")
    return body[0]


def children(element: Element) -> dict[str, str]:
    """The text of each direct child, by local name."""
    return {local(child.tag): (child.text or "").strip() for child in element}


def fault_code(fault: Element) -> tuple[str, str]:
    """A SOAP fault's PayFiP code and label (``FonctionnelleErreur``…), if it carries one."""
    for element in fault.iter():
        if local(element.tag).endswith("Erreur"):
            info = children(element)
            return info.get("code", ""), info.get("libelle") or info.get("descriptif", "")
    info = children(fault)
    return "", info.get("faultstring", "")


@dataclass(frozen=True)
class PayfipClient:
    """Calls the web service at ``url`` (``PORTAL_PAYFIP_WS_URL``)."""

    url: str
    timeout: float = 15.0

    def _call(self, operation: str, arg0: dict[str, str]) -> dict[str, str]:
        try:
            answer = requests.post(
                self.url,
                data=envelope(operation, arg0),
                headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'},
                timeout=self.timeout,
                stream=True,
            )
            with answer:  # never more than the limit in memory, whatever the server sends
                content = b""
                for chunk in answer.iter_content(8192):
                    content += chunk
                    if len(content) > MAX_ANSWER_BYTES:
                        break
        except requests.RequestException as exc:
            raise PayfipError(f"Le service PayFiP ne répond pas ({type(exc).__name__}).") from exc
        try:
            call = body_call(parse_xml(content))
        except ValueError as exc:
            raise PayfipError(
                f"Réponse du service PayFiP illisible (HTTP {answer.status_code}, {exc})."
            ) from exc
        if local(call.tag) == "Fault":
            code, label = fault_code(call)
            raise PayfipError(f"PayFiP refuse l'opération : {code} {label}".strip() + ".", code)
        if local(call.tag) != operation + "Response":
            raise PayfipError("Réponse du service PayFiP inattendue.")
        returned = next((child for child in call if local(child.tag) == "return"), None)
        if returned is None:
            raise PayfipError("Réponse du service PayFiP sans résultat.")
        return children(returned)

    def create(self, arg0: dict[str, str]) -> str:
        """``creerPaiementSecurise`` → the operation's ``idOp``."""
        idop = self._call("creerPaiementSecurise", arg0).get("idOp", "")
        if not IDOP_RE.match(idop):
            raise PayfipError("Le service PayFiP n'a pas donné d'identifiant d'opération valide.")
        return idop

    def detail(self, idop: str) -> Detail:
        """``recupererDetailPaiementSecurise``: the result of operation ``idop``."""
        return Detail(self._call("recupererDetailPaiementSecurise", {"idOp": idop}))
