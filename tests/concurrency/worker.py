"""A second (and third) agent in its own process, for tests/concurrency.

    python worker.py accept URL LOGIN ORDER   # reads « go <request ids…> » lines
    python worker.py numbers URL REGIE_IDS N  # takes N numbers per régie, prints them
    python worker.py runs URL LOGIN CODE:START:END…  # issues these invoice runs

``accept``: for each line read, accepts each request in its own transaction (like an
agent clicking « Accepter » on each), in ``ORDER`` (``asc``/``desc``), then prints
« done ». ``numbers``: one number per transaction, every third transaction rolled
back (its number must be given again: no gap), prints the committed numbers as JSON.
"""

from __future__ import annotations

import json
import sys

from backoffice.errors import UserError
from backoffice.services.database import open_database


def accept(url: str, login: str, order: str) -> None:
    from backoffice.services.common.actors import current_actor
    from backoffice.services.requests.decisions import accept_requests

    db = open_database(url, migrate=False)
    with db.session() as session:
        actor = current_actor(session, login)
    print("ready", flush=True)
    for line in sys.stdin:
        ids = [int(word) for word in line.split()[1:]]
        if order == "desc":
            ids.reverse()
        outcomes = []
        for request_id in ids:
            try:
                with db.session() as session:
                    accept_requests(session, actor, [request_id])
                outcomes.append("ok")
            except UserError as exc:  # decided meanwhile, or still full
                outcomes.append(str(exc)[:40])
        print("done " + json.dumps(outcomes, ensure_ascii=False), flush=True)


class Rollback(Exception):
    pass


def numbers(url: str, regies: list[int], count: int) -> None:
    from backoffice.models import DocumentKind
    from backoffice.services.billing.numbering import take_numbers

    db = open_database(url, migrate=False)
    taken: dict[int, list[int]] = {regie: [] for regie in regies}
    print("ready", flush=True)
    sys.stdin.readline()  # « go »
    for n in range(count * 3 // 2):
        for regie in regies:
            try:
                with db.session() as session:
                    number = take_numbers(session, regie, DocumentKind.INVOICE, 2026, 1)
                    if n % 3 == 2:
                        raise Rollback
                taken[regie].append(number)
            except Rollback:
                pass
    print(json.dumps(taken), flush=True)


def runs(url: str, login: str, wanted: list[str]) -> None:
    from datetime import date

    from backoffice.services.billing.runs import issue_run
    from backoffice.services.common.actors import current_actor

    db = open_database(url, migrate=False)
    with db.session() as session:
        actor = current_actor(session, login)
    print("ready", flush=True)
    sys.stdin.readline()  # « go »
    issued = []
    for item in wanted:
        code, start, end = item.split(":")
        with db.session() as session:
            report = issue_run(
                session, code, date.fromisoformat(start), date.fromisoformat(end),
                issue_date=date(2026, 11, 20), actor=actor,
            )  # fmt: skip
            issued.append([code, report.invoices])
    print(json.dumps(issued), flush=True)


if __name__ == "__main__":
    mode, url, *rest = sys.argv[1:]
    if mode == "accept":
        accept(url, rest[0], rest[1])
    elif mode == "runs":
        runs(url, rest[0], rest[1:])
    else:
        numbers(url, [int(r) for r in rest[0].split(",")], int(rest[1]))
