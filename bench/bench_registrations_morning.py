"""The registrations morning: 500 parents log in and book the same 100 places at once,
through the parents' pages (HTML forms, CSRF, redirects) of a real ``portal serve`` on
PostgreSQL.

    .venv/bin/python bench/bench_registrations_morning.py [--parents 500] [--places 100]
        [--spread 60] [--workers 100] [--portal-workers 2]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

Set-up (not timed): a throw-away PostgreSQL schema; ``portal serve`` in its own process
on loopback; the catalogue (one activity, one unit, ``--places`` places on one day two
weeks ahead, auto-accept, full → waiting list) and ``--parents`` families with a
complete child file pushed through the staff API; the accounts activated with one
password.

Measured: every parent arriving within ``--spread`` seconds (parent i at i × spread /
parents; at most ``--workers`` at once; a ``requests.Session`` each, a browser would do
the same requests), against ``portal serve --workers <--portal-workers>``: the login
page, the login, the registration, the planning of the week, the ticked box → review, the validation → summary. Each page's time
(redirects timed as their own page). A 409 (two writes on the same rows at once) is
retried, as a parent would press the button again.

Printed: the morning's duration, the bookings per state (exactly ``--places`` accepted,
the rest on the waiting list), the server errors (5xx: must be 0), retries, p50/p95/max
per page kind and overall (target p95 < 300 ms); the floor: the same number of
requests for a static file (``/static/espace.css``) with the same threads, and the
ratio of the pages' p95 to it.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import requests  # noqa: E402
from bench_sync_pull import TOKEN, serve, throwaway_schema  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from portal.db import open_database  # noqa: E402
from portal.models import AccountState, Booking, ParentAccount  # noqa: E402
from portal.security import hash_password  # noqa: E402

PASSWORD = "Matin-des-inscriptions-2026"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
VACCINES = [
    "diphterie",
    "tetanos",
    "poliomyelite",
    "coqueluche",
    "hib",
    "hepatite_b",
    "pneumocoque",
    "meningocoque_c",
    "rougeole",
    "oreillons",
    "rubeole",
]
CONTACT = {
    "last_name": "DUPONT",
    "first_name": "Jeanne",
    "relationship_label": "grand-mère",
    "phone1": "0243112233",
}


def the_day(today: date) -> date:
    """A weekday about two weeks ahead (well before any booking deadline)."""
    day = today + timedelta(days=14)
    while day.isoweekday() > 5:
        day += timedelta(days=1)
    return day


def catalogue(today: date, day: date, places: int) -> dict:
    return {
        "activities": [
            {
                "code": "ALSH",
                "name": "Accueil de loisirs",
                "kind": "alsh",
                "site": "Le Lude",
                "periods": [
                    {
                        "code": "VAC",
                        "label": "Vacances",
                        "start": day.isoformat(),
                        "end": day.isoformat(),
                        "booking_opens": (today - timedelta(days=1)).isoformat(),
                        "booking_closes": day.isoformat(),
                    }
                ],
                "units": [
                    {
                        "code": "JOURNEE",
                        "name": "Journée",
                        "start_time": "08:30",
                        "end_time": "17:30",
                        "weekdays": [1, 2, 3, 4, 5],
                    }
                ],
                "capacities": [
                    {
                        "unit": "JOURNEE",
                        "start": day.isoformat(),
                        "end": day.isoformat(),
                        "places": places,
                    }
                ],
                "rules": {"auto_accept": True, "when_full": "waiting_list"},
            }
        ]
    }


def family(i: int) -> dict:
    login = f"matin{i}@example.org"
    return {
        "name": f"FAMILLE{i}",
        "login_email": login,
        "postcode": "72800",
        "commune": "Le Lude",
        "send_activation": False,
        "guardians": [
            {
                "rank": 1,
                "last_name": f"FAMILLE{i}",
                "first_name": "Alex",
                "is_payer": True,
                "email": login,
            }
        ],
        "children": [
            {
                "ref": f"E{i:05d}",
                "information": {
                    "last_name": f"FAMILLE{i}",
                    "first_name": "Lou",
                    "sex": "F",
                    "birth_date": "2018-04-02",
                    "school": "École du Lude",
                    "school_class": "CE2",
                },
                "medical": {
                    "vaccinations": [
                        {"vaccine": v, "done": True, "last_date": "2019-05-01"} for v in VACCINES
                    ],
                    "doctor_name": "Dr Morel",
                    "doctor_phone": "0243999999",
                },
                "emergency_contacts": [CONTACT],
                "authorised_pickups": [CONTACT],
                "consents": [],
            }
        ],
    }


def staff(base: str, method: str, path: str, n: int, **kw) -> requests.Response:
    key = f"banc-matin-{n}-{uuid.uuid4().hex}"
    headers = {"Authorization": f"Bearer {TOKEN}", "Idempotency-Key": key}
    r = requests.request(method, base + path, headers=headers, timeout=60, **kw)
    if r.status_code >= 300:
        raise RuntimeError(f"{method} {path} : {r.status_code} {r.text[:300]}")
    return r


class Morning:
    def __init__(self, base: str, week: str, day: date):
        self.base, self.week, self.day = base, week, day
        self.times: dict[str, list[float]] = defaultdict(list)
        self.statuses: Counter[int] = Counter()
        self.retries = 0
        self.lock = threading.Lock()

    def _page(self, s: requests.Session, kind: str, method: str, path: str, **kw):
        for _attempt in range(8):
            start = time.perf_counter()
            r = s.request(method, self.base + path, allow_redirects=False, timeout=120, **kw)
            took = time.perf_counter() - start
            with self.lock:
                self.times[kind].append(took)
                self.statuses[r.status_code] += 1
            if r.status_code == 409 and method == "POST":
                with self.lock:
                    self.retries += 1
                continue
            return r
        raise RuntimeError(f"{path} : toujours 409")

    def _follow(self, s, kind: str, r: requests.Response) -> requests.Response:
        assert r.status_code == 303, (r.status_code, r.text[:300])
        return self._page(s, kind, "GET", r.headers["location"].replace(self.base, ""))

    def parent(self, i: int) -> str:
        s = requests.Session()
        self._page(s, "connexion (page)", "GET", "/connexion")
        csrf = s.cookies["portail_csrf"]
        r = self._page(
            s,
            "connexion (envoi)",
            "POST",
            "/connexion",
            data={"csrf": csrf, "login": f"matin{i}@example.org", "password": PASSWORD},
        )
        r = self._follow(s, "ma famille", r)
        csrf = s.cookies["portail_csrf"]  # renewed at login
        r = self._page(
            s,
            "inscription (envoi)",
            "POST",
            "/inscriptions",
            data={"csrf": csrf, "child_ref": f"E{i:05d}", "offer": "ALSH|VAC"},
        )
        r = self._follow(s, "inscriptions", r)
        ref = re.search(r"/reservations/([\w.-]+)/planning", r.text)[1]
        planning = f"/reservations/{ref}/planning"
        self._page(s, "planning", "GET", f"{planning}?semaine={self.week}")
        r = self._page(
            s,
            "planning (envoi)",
            "POST",
            planning,
            data={
                "csrf": csrf,
                "semaine": self.week,
                "case": f"JOURNEE|{self.day.isoformat()}",
                "suite": "verifier",
            },
        )
        self._follow(s, "vérification", r)
        r = self._page(s, "validation", "POST", f"/reservations/{ref}/valider", data={"csrf": csrf})
        r = self._follow(s, "récapitulatif", r)
        return ref


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parents", type=int, default=500)
    parser.add_argument("--places", type=int, default=100)
    parser.add_argument("--workers", type=int, default=100, help="parents en même temps, au plus")
    parser.add_argument(
        "--spread",
        type=float,
        default=60.0,
        help="arrivées étalées sur ces secondes (0 : d'un coup)",
    )
    parser.add_argument(
        "--portal-workers", type=int, default=2, help="processus de « portal serve » (un par cœur)"
    )
    parser.add_argument("--database-url", default=PG_URL)
    args = parser.parse_args()

    url, drop = throwaway_schema(args.database_url)
    db = open_database(url)  # creates the tables (migrations) before the server starts
    base, stop = serve(url, workers=args.portal_workers)
    try:
        today = date.today()
        day = the_day(today)
        iso = day.isocalendar()
        week = f"{iso.year}-W{iso.week:02d}"
        staff(base, "PUT", "/staff/catalogue", 0, json=catalogue(today, day, args.places))
        t0 = time.perf_counter()
        with ThreadPoolExecutor(4) as pool:
            list(
                pool.map(
                    lambda i: staff(base, "PUT", f"/staff/families/B{i:05d}", i, json=family(i)),
                    range(args.parents),
                )
            )
        stored = hash_password(PASSWORD)
        with db.session() as session:
            for account in session.scalars(select(ParentAccount)):
                account.password_hash = stored
                account.state = AccountState.ACTIVE
        print(
            f"Préparation : {args.parents} familles, {args.places} places le {day:%d/%m/%Y} "
            f"({time.perf_counter() - t0:.1f} s)"
        )

        morning = Morning(base, week, day)
        failures: list[str] = []

        def one(i: int) -> None:
            try:
                morning.parent(i)
            except Exception as exc:  # counted, printed below
                failures.append(f"parent {i} : {exc!r}"[:300])

        start = time.perf_counter()

        def arriving(i: int) -> None:
            # Parents arrive one after another over the minute (not all at the same
            # instant): parent i starts at i × spread / parents.
            time.sleep(max(0.0, start + i * args.spread / args.parents - time.perf_counter()))
            one(i)

        with ThreadPoolExecutor(args.workers) as pool:
            list(pool.map(arriving, range(args.parents)))
        duration = time.perf_counter() - start

        with db.read() as session:
            states = dict(
                session.execute(select(Booking.state, func.count()).group_by(Booking.state)).all()
            )
        all_times = [t for values in morning.times.values() for t in values]
        server_errors = sum(n for code, n in morning.statuses.items() if code >= 500)

        floor_times: list[float] = []
        floor_lock = threading.Lock()
        floor_session = threading.local()

        def static(_i: int) -> None:
            s = getattr(floor_session, "s", None) or requests.Session()
            floor_session.s = s
            t = time.perf_counter()
            s.get(base + "/static/espace.css", timeout=60).raise_for_status()
            with floor_lock:
                floor_times.append(time.perf_counter() - t)

        with ThreadPoolExecutor(args.workers) as pool:
            list(pool.map(static, range(len(all_times))))
    finally:
        stop()
        db.engine.dispose()
        drop()

    print(
        f"Matinée : {args.parents} parents, {len(all_times)} pages en {duration:.1f} s "
        f"(arrivées sur {args.spread:.0f} s, {args.workers} fils au plus, "
        f"{args.portal_workers} processus serveur ; cible : moins d'une minute)"
    )
    print("Réservations : " + ", ".join(f"{s.value} {n}" for s, n in sorted(states.items())))
    print(
        f"Erreurs serveur (5xx) : {server_errors} ; 409 réessayés : {morning.retries} ; "
        f"parcours en échec : {len(failures)}"
    )
    for f in failures[:5]:
        print("  " + f)
    print("Statuts : " + ", ".join(f"{c}×{n}" for c, n in sorted(morning.statuses.items())))
    print(f"{'page':<22}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for kind, values in morning.times.items():
        print(
            f"{kind:<22}{len(values):>6}{statistics.median(values) * 1000:>9.0f}"
            f"{pct(values, 0.95) * 1000:>9.0f}{max(values) * 1000:>9.0f}"
        )
    p95 = pct(all_times, 0.95)
    floor_p95 = pct(floor_times, 0.95)
    print(
        f"{'toutes les pages':<22}{len(all_times):>6}{statistics.median(all_times) * 1000:>9.0f}"
        f"{p95 * 1000:>9.0f}{max(all_times) * 1000:>9.0f}   (cible p95 < 300 ms)"
    )
    pages = [t for kind, v in morning.times.items() if kind != "connexion (envoi)" for t in v]
    print(
        f"{'hors envoi connexion':<22}{len(pages):>6}{statistics.median(pages) * 1000:>9.0f}"
        f"{pct(pages, 0.95) * 1000:>9.0f}{max(pages) * 1000:>9.0f}   (argon2 exclu)"
    )
    print(
        f"Plancher (fichier statique, mêmes fils) : p95 {floor_p95 * 1000:.0f} ms ; "
        f"rapport pages/plancher : {p95 / floor_p95:.1f}×"
    )
    accepted = states.get(next((s for s in states if s.value == "accepted"), None), 0)
    ok = accepted == args.places and server_errors == 0 and not failures
    waiting = sum(n for s, n in states.items() if s.value == "waiting_list")
    ok = ok and accepted + waiting == args.parents
    print("Résultat : " + ("conforme" if ok else "NON CONFORME"))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
