"""Writes the datasets of the course "Working with data" (courses/working-with-data and its
Russian edition) from a seeded Faker: the same phones, accounts and rows in both editions, names
in Latin or Cyrillic script. Every person, number and account is invented. Run it again only to
change the data: the knowledge checks' keys are computed from these files (`from_data:`), and
`flask content check` says which ones no longer match.

    .venv/bin/python scripts/working_with_data.py
"""
import csv
import random
import sys
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from trainer.domain.faker_region import make_faker  # noqa: E402

SEED = 20240312
ROOT = Path(__file__).resolve().parent.parent / "courses"
EDITIONS = {"en": "working-with-data", "ru": "working-with-data-ru"}
WORDS = {
    "en": {"call": "call", "sms": "SMS", "registered": "registered", "unregistered": "unregistered",
           "foreign": "foreign SIM", "rent": "rent", "goods": "for goods", "loan": "loan repayment",
           "gift": "gift", "transport": "transport services"},
    "ru": {"call": "звонок", "sms": "SMS", "registered": "зарегистрирован", "unregistered": "не зарегистрирован",
           "foreign": "иностранная SIM", "rent": "аренда", "goods": "за товар", "loan": "возврат долга",
           "gift": "подарок", "transport": "транспортные услуги"},
}
CELLS = ("Osh Centre 1", "Osh Centre 3", "Osh Amir-Timur 2", "Kara-Suu 1", "Batken 2", "Kyzyl-Kiya 1",
         "Kyzyl-Bel 1")
CELLS_RU = ("Ош-Центр 1", "Ош-Центр 3", "Ош Амир-Тимур 2", "Кара-Суу 1", "Баткен 2", "Кызыл-Кия 1",
            "Кызыл-Бель 1")
RUNS = (datetime(2024, 3, 5, 5, 30), datetime(2024, 3, 12, 6, 0))  # the car crosses at Kyzyl-Bel
START, END = datetime(2024, 3, 1), datetime(2024, 3, 14)


def people(language: str) -> dict[str, str]:
    fake = make_faker(language)
    fake.seed_instance(SEED)
    return {key: fake.region_person("kg" if key != "supplier" else "tj", gender)
            for key, gender in (("courier", "male"), ("partner", "male"), ("organiser", "male"),
                                ("wife", "female"), ("supplier", "male"), ("sister", "female"),
                                ("trader", "male"), ("landlord", "male"))}


def main() -> None:
    rng = random.Random(SEED)
    fake = make_faker("en")
    fake.seed_instance(SEED + 1)
    phone = {key: fake.region_phone("kg") for key in ("courier", "partner", "organiser", "wife", "sister",
                                                      "landlord", "taxi")}
    phone["supplier"] = fake.region_phone("tj")
    others = [fake.region_phone("kg") for _ in range(14)]
    account = {key: fake.region_bank_account("kg") for key in ("organiser", "courier", "partner", "trader",
                                                               "landlord", "sister")}
    account["supplier"] = fake.region_bank_account("tj")

    calls = []  # (time, from, to, kind, seconds, cell index)

    def call(at, a, b, kind="call", seconds=None, cell=None):
        seconds = 0 if kind == "sms" else (seconds or rng.randint(20, 240))
        calls.append((at, a, b, kind, seconds, rng.randrange(4) if cell is None else cell))

    def some_time(day_from=START, day_to=END):
        span = int((day_to - day_from).total_seconds() // 60)
        at = day_from + timedelta(minutes=rng.randrange(span))
        return at.replace(hour=rng.randint(8, 22))

    for _ in range(16):          # the courier and his wife: many short calls, nothing to do with the runs
        a, b = rng.sample([phone["courier"], phone["wife"]], 2)
        call(some_time(), a, b, rng.choice(["call", "call", "sms"]), rng.randint(15, 90))
    for run in RUNS:             # a burst with the supplier in the 12 hours before each run
        for hours in (11, 7, 3.5, 1):
            call(run - timedelta(hours=hours, minutes=rng.randint(0, 20)), phone["courier"], phone["supplier"],
                 seconds=rng.randint(25, 70), cell=4 if hours > 3 else 6)
        call(run + timedelta(hours=3), phone["courier"], phone["organiser"], "sms", cell=5)
    for who, times in (("courier", 3), ("partner", 4)):  # the common contact of both targets
        for _ in range(times):
            call(some_time(), phone[who], phone["organiser"], seconds=rng.randint(60, 300))
    for _ in range(6):
        call(some_time(), phone["partner"], phone["sister"], rng.choice(["call", "sms"]))
    call(some_time(), phone["courier"], phone["landlord"], seconds=640)
    call(some_time(), phone["partner"], phone["landlord"], seconds=820)
    for _ in range(4):
        call(some_time(), phone["courier"], phone["taxi"], seconds=rng.randint(20, 50))
    for _ in range(14):          # background: the two targets and numbers met once or twice
        call(some_time(), rng.choice([phone["courier"], phone["partner"]]), rng.choice(others),
             rng.choice(["call", "call", "sms"]))
    calls.sort()

    transfers = []  # (time, from account, from holder key, to account, to holder key, amount, reference)

    def transfer(at, a, b, amount, reference):
        transfers.append((at, account[a], a, account[b], b, amount, reference))

    for run in RUNS:
        transfer(run - timedelta(days=2, hours=3), "organiser", "supplier", 185000.00, "goods")
        transfer(run + timedelta(hours=9), "organiser", "courier", 25000.00, "transport")
    transfer(datetime(2024, 3, 8, 11, 20), "organiser", "courier", 5000.00, "loan")
    transfer(datetime(2024, 3, 9, 15, 5), "organiser", "partner", 12000.00, "transport")
    for day in (1, 8):
        transfer(datetime(2024, 3, day, 10, 0), "organiser", "landlord", 30000.00, "rent")
    for _ in range(10):
        a, b = rng.sample(["courier", "partner", "trader", "sister"], 2)
        transfer(some_time(), a, b, float(rng.randrange(500, 9000, 50)), rng.choice(["gift", "loan", "goods"]))
    for _ in range(4):
        transfer(some_time(), "trader", "organiser", float(rng.randrange(20000, 60000, 500)), "goods")
    transfers.sort()

    status = {phone["courier"]: ("courier", "registered"), phone["partner"]: ("sister", "registered"),
              phone["organiser"]: (None, "unregistered"), phone["supplier"]: (None, "foreign"),
              phone["wife"]: ("wife", "registered"), phone["sister"]: ("sister", "registered"),
              phone["landlord"]: ("landlord", "registered"), phone["taxi"]: (None, "unregistered")}
    for number in others[:6]:
        status[number] = (None, "unregistered") if rng.random() < 0.3 else ("trader", "registered")
    since = {number: f"{datetime(2019, 1, 1) + timedelta(days=rng.randrange(1500)):%Y-%m-%d}" for number in status}

    for language, folder in EDITIONS.items():
        names, words = people(language), WORDS[language]
        cells = CELLS_RU if language == "ru" else CELLS
        data = ROOT / folder / "data"
        data.mkdir(parents=True, exist_ok=True)
        write(data / "calls.csv", ("start", "caller", "called", "kind", "seconds", "cell"),
              [(f"{t:%Y-%m-%d %H:%M}", a, b, words[k], s, cells[c]) for t, a, b, k, s, c in calls])
        write(data / "transfers.csv", ("time", "from_account", "sender", "to_account", "receiver", "amount", "reference"),
              [(f"{t:%Y-%m-%d %H:%M}", fa, names[f] if f in names else "", ta, names[r] if r in names else "",
                f"{amount:.2f}", words[ref]) for t, fa, f, ta, r, amount, ref in transfers])
        write(data / "subscribers.csv", ("phone", "subscriber", "since", "status"),
              [(number, names[who] if who else "", since[number], words[state])
               for number, (who, state) in status.items()])
    print({**{f"phone {k}": v for k, v in phone.items()}, **{f"account {k}": v for k, v in account.items()}})
    for language in EDITIONS:
        print(language, people(language))


def write(path: Path, header, rows) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


if __name__ == "__main__":
    main()
