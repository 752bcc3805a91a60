"""A Faker provider for Central Asia and Russia, and the template placeholders built on it.

Place names and border crossings are real. Personal names, phone numbers, plates, company
names and bank accounts are synthetic: plausible in form, not taken from any register, and
they may coincide with real ones by chance. Surnames of heads of state and other prominent
public figures are left out on purpose.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta

from faker import Faker
from faker.providers import BaseProvider

from trainer.domain import faker_cyrillic as cyr

COUNTRIES = ("kg", "tj", "uz", "kz", "ru")

# Content language -> the script its generated names are written in.
SCRIPTS = {"en": "latin", "ru": "cyrillic"}

_NATIONALITY_WORDS = {"kyrgyz": "kg", "tajik": "tj", "uzbek": "uz", "kazakh": "kz",
                      "russian": "ru"}

FIRST_NAMES: dict[str, dict[str, tuple[str, ...]]] = {
    "kg": {
        "male": ("Azamat", "Bakyt", "Nurlan", "Temirlan", "Almaz", "Ulan", "Adilet", "Eldiyar",
                 "Marat", "Bektur", "Chyngyz", "Ermek", "Kanat", "Talant", "Aibek", "Mirlan"),
        "female": ("Aigul", "Aizada", "Cholpon", "Gulnara", "Nazira", "Jyldyz", "Aidai",
                   "Begimai", "Meerim", "Elnura", "Asel", "Kanykei", "Nurzada", "Aizhan"),
    },
    "tj": {
        "male": ("Firuz", "Rustam", "Bahrom", "Dilshod", "Farhod", "Jamshed", "Sino", "Faridun",
                 "Umed", "Shavkat", "Manuchehr", "Sorbon", "Parviz", "Zafar"),
        "female": ("Nigina", "Zarina", "Madina", "Firuza", "Manizha", "Tahmina", "Shahnoza",
                   "Parvina", "Mehrangez", "Gulchehra", "Sitora", "Nilufar"),
    },
    "uz": {
        "male": ("Akmal", "Bobur", "Jasur", "Sardor", "Otabek", "Sherzod", "Ulugbek",
                 "Jahongir", "Sanjar", "Rustam", "Azizbek", "Doniyor", "Javlon", "Bekzod"),
        "female": ("Dilnoza", "Gulnora", "Malika", "Nilufar", "Shahlo", "Feruza", "Dildora",
                   "Nodira", "Kamola", "Madina", "Sevara", "Zulfiya"),
    },
    "kz": {
        "male": ("Yerlan", "Askar", "Daniyar", "Arman", "Bauyrzhan", "Yerzhan", "Aidos",
                 "Dauren", "Nurlan", "Sanzhar", "Timur", "Zhandos", "Serik", "Marat"),
        "female": ("Aigerim", "Dana", "Dinara", "Aruzhan", "Gulnur", "Saule", "Zhanar",
                   "Aliya", "Madina", "Ainur", "Balzhan", "Kamila"),
    },
    "ru": {
        "male": ("Alexei", "Dmitry", "Sergei", "Andrei", "Ivan", "Nikolai", "Pavel", "Mikhail",
                 "Yuri", "Oleg", "Konstantin", "Roman", "Igor", "Denis"),
        "female": ("Anna", "Elena", "Olga", "Natalia", "Irina", "Svetlana", "Tatiana", "Yulia",
                   "Ekaterina", "Maria", "Galina", "Oksana"),
    },
}

# Masculine forms; feminine forms are derived by feminine_surname().
SURNAMES: dict[str, tuple[str, ...]] = {
    "kg": ("Toktogulov", "Asanov", "Sadyrov", "Mamatov", "Osmonov", "Abdyldaev", "Zhumabaev",
           "Bakirov", "Isakov", "Kasymaliev", "Usenov", "Sydykov", "Tokonov", "Alymkulov",
           "Omurbekov", "Beishenaliev", "Mambetov", "Duishenov"),
    "tj": ("Nazarov", "Saidov", "Sharipov", "Rahimov", "Safarov", "Davlatov", "Odinaev",
           "Mirzoev", "Hasanov", "Boboev", "Karimzoda", "Rahimzoda", "Nazarzoda", "Safarzoda",
           "Sharifzoda", "Davlatzoda"),
    "uz": ("Yusupov", "Rakhimov", "Alimov", "Ergashev", "Tursunov", "Abdullaev", "Usmonov",
           "Toshmatov", "Kholmatov", "Sobirov", "Saidov", "Juraev", "Nurmatov", "Khamidov"),
    "kz": ("Akhmetov", "Zhaksybekov", "Nurlanov", "Suleimenov", "Omarov", "Tulegenov",
           "Sarsenbaev", "Ibraimov", "Abenov", "Zhumabekov", "Baimukhamedov", "Yesenov",
           "Mukanov", "Kassymov"),
    "ru": ("Ivanov", "Petrov", "Smirnov", "Kuznetsov", "Sokolov", "Popov", "Lebedev",
           "Kozlov", "Novikov", "Morozov", "Pavlov", "Semenov", "Egorov", "Orlov",
           "Kovalevsky", "Zhukovsky", "Kovalenko", "Chernykh"),
}

CITIES: dict[str, tuple[str, ...]] = {
    "kg": ("Bishkek", "Osh", "Jalal-Abad", "Karakol", "Tokmok", "Naryn", "Talas", "Batken",
           "Kara-Balta", "Uzgen", "Kyzyl-Kiya", "Isfana", "Balykchy", "Kara-Suu", "Nookat"),
    "tj": ("Dushanbe", "Khujand", "Khorog", "Kulob", "Bokhtar", "Istaravshan", "Panjakent",
           "Isfara", "Murghob", "Vahdat", "Tursunzoda", "Konibodom", "Ishkoshim"),
    "uz": ("Tashkent", "Samarkand", "Bukhara", "Andijan", "Namangan", "Fergana", "Kokand",
           "Termez", "Nukus", "Qarshi", "Jizzakh", "Navoi", "Margilan", "Urgench"),
    "kz": ("Almaty", "Astana", "Shymkent", "Taraz", "Karaganda", "Aktobe", "Turkestan",
           "Kyzylorda", "Zharkent", "Aktau", "Atyrau", "Pavlodar"),
    "ru": ("Moscow", "Saint Petersburg", "Novosibirsk", "Yekaterinburg", "Omsk", "Orenburg",
           "Samara", "Kazan", "Chelyabinsk", "Barnaul", "Krasnoyarsk", "Astrakhan"),
}

# Road crossing points and the two countries they join (cn China, af Afghanistan).
BORDER_CROSSINGS: tuple[tuple[str, tuple[str, str]], ...] = (
    ("Irkeshtam", ("kg", "cn")),
    ("Torugart", ("kg", "cn")),
    ("Dostuk", ("kg", "uz")),
    ("Kara-Suu", ("kg", "uz")),
    ("Karamyk", ("kg", "tj")),
    ("Kyzyl-Art", ("kg", "tj")),
    ("Ak-Zhol", ("kg", "kz")),
    ("Korday", ("kz", "kg")),
    ("Khorgos", ("kz", "cn")),
    ("Zhibek Zholy", ("kz", "uz")),
    ("Gisht-Kuprik", ("uz", "kz")),
    ("Oybek", ("uz", "tj")),
    ("Termez Friendship Bridge", ("uz", "af")),
    ("Panji Poyon", ("tj", "af")),
    ("Ishkoshim bridge", ("tj", "af")),
    ("Kulma", ("tj", "cn")),
    ("Sagarchin", ("ru", "kz")),
)

# Phone formats: country code, mobile prefixes, pattern of the rest ("#" = digit).
PHONES: dict[str, tuple[str, tuple[str, ...], str]] = {
    "kg": ("+996", ("500", "505", "507", "550", "555", "557", "700", "701", "705", "707",
                    "770", "772", "777", "220", "222", "227"), "### ###"),
    "tj": ("+992", ("90", "91", "92", "93", "98", "88"), "### ####"),
    "uz": ("+998", ("90", "91", "93", "94", "97", "99", "88", "33"), "### ## ##"),
    "kz": ("+7", ("700", "701", "702", "705", "707", "708", "747", "771", "775", "777"),
           "### ## ##"),
    "ru": ("+7", ("900", "903", "905", "912", "915", "916", "921", "925", "950", "960",
                  "977", "985"), "###-##-##"),
}

# Plate letters: Russian plates use only letters shared by Latin and Cyrillic.
_PLATE_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
_RU_PLATE_LETTERS = "ABEKMHOPCTYX"
_UZ_REGIONS = ("01", "10", "20", "25", "30", "40", "50", "60", "70", "75", "80", "85", "90", "95")
_RU_REGIONS = ("77", "97", "99", "177", "197", "50", "78", "54", "66", "74", "56", "55")

COMPANY_FORMS = {"kg": "OsOO", "tj": "JDMM", "uz": "MChJ", "kz": "TOO", "ru": "OOO"}
_COMPANY_STEMS = ("Ak-Jol", "Altyn", "Ala-Too", "Tulpar", "Silk Way", "Nur", "Baraka", "Sharq",
                  "Pamir", "Sogd", "Zarafshon", "Navruz", "Orient", "Kok-Zhal", "Asia", "Bereke")
_COMPANY_TRADES = ("Trans", "Logistics", "Agro", "Trade", "Invest", "Auto", "Cargo", "Textile",
                   "Stroy", "Export", "Market", "Service")

STREETS: dict[str, tuple[str, ...]] = {
    "kg": ("Chui Avenue", "Manas Avenue", "Kurmanjan Datka St", "Lenin St", "Toktogul St",
           "Masaliev Avenue"),
    "tj": ("Rudaki Avenue", "Ismoili Somoni Avenue", "Bukhoro St", "Shotemur St", "Lenin St"),
    "uz": ("Amir Temur Avenue", "Navoi St", "Mustaqillik Avenue", "Bobur St", "Rustaveli St"),
    "kz": ("Abay Avenue", "Dostyk Avenue", "Tole Bi St", "Zheltoksan St", "Satpaev St"),
    "ru": ("Lenina St", "Sovetskaya St", "Mira Avenue", "Gagarina St", "Pushkina St"),
}


def feminine_surname(surname: str) -> str:
    """Ivanov -> Ivanova, Kovalevsky -> Kovalevskaya; -zoda, -enko, -ykh do not change."""
    if surname.endswith("sky"):
        return surname[:-1] + "aya"
    if surname.endswith(("ov", "ev", "in", "yn")):
        return surname + "a"
    return surname


class RegionProvider(BaseProvider):
    """Names, places, phones, plates, companies and accounts for kg, tj, uz, kz and ru."""

    def region_country(self) -> str:
        """One of kg, tj, uz, kz, ru."""
        return self.random_element(COUNTRIES)

    def region_first_name(self, country: str | None = None, gender: str | None = None) -> str:
        """A given name for the country and gender (random when not given)."""
        country, gender = country or self.region_country(), gender or self._gender()
        return self._given(self.random_element(FIRST_NAMES[country][gender]))

    def region_last_name(self, country: str | None = None, gender: str | None = None,
                         given: str | None = None) -> str:
        """A family name with the ending that matches the gender."""
        country, gender = country or self.region_country(), gender or self._gender()
        female = gender == "female"
        # Patronymic surnames: "Bakyt uulu / kyzy" (Kyrgyz), "Serikuly / Serikkyzy" (Kazakh).
        # The father's name is never the person's own: "Bakyt Bakyt uulu" reads as an error.
        if country in ("kg", "kz") and self.random_int(1, 100) <= 20:
            father = self.random_element([n for n in FIRST_NAMES[country]["male"]
                                          if self._given(n) != given])
            return self._patronymic_surname(country, father, female)
        return self._surname(self.random_element(SURNAMES[country]), female)

    def region_patronymic(self, country: str | None = None, gender: str | None = None) -> str:
        """A Russian-style patronymic from a father's name of the country: -ovich / -ovna."""
        country, gender = country or self.region_country(), gender or self._gender()
        fathers = [n for n in FIRST_NAMES[country]["male"] if cyr.latin_patronymic(n, False)]
        return self._patronymic(self.random_element(fathers), gender == "female")

    def region_person(self, country: str | None = None, gender: str | None = None) -> str:
        """A full name, given name first."""
        country, gender = country or self.region_country(), gender or self._gender()
        given = self.region_first_name(country, gender)
        return f"{given} {self.region_last_name(country, gender, given)}"

    def region_city(self, country: str | None = None) -> str:
        """A real city of the country (of the region when not given)."""
        return self._place(self.random_element(CITIES[country or self.region_country()]))

    def border_crossing(self, country: str | None = None) -> str:
        """A real border crossing point on the country's border (any when not given)."""
        names = [name for name, sides in BORDER_CROSSINGS if country is None or country in sides]
        return self._place(self.random_element(names))

    def region_phone(self, country: str | None = None) -> str:
        """A mobile number in the country's international format."""
        code, prefixes, rest = PHONES[country or self.region_country()]
        return f"{code} {self.random_element(prefixes)} {self.numerify(rest)}"

    def region_plate(self, country: str | None = None) -> str:
        """A number plate in the country's layout (synthetic)."""
        country = country or self.region_country()
        letters = self._letters
        if country == "kg":
            return f"{self.random_int(1, 9):02d} {self.numerify('###')} {letters(3)}"
        if country == "kz":
            return f"{self.numerify('###')} {letters(3)} {self.random_int(1, 20):02d}"
        if country == "uz":
            return f"{self.random_element(_UZ_REGIONS)} {letters(1)} {self.numerify('###')} {letters(2)}"
        if country == "tj":
            return f"{self.numerify('####')} {letters(2)} {self.random_int(1, 8):02d}"
        return self._ru_plate(f"{letters(1, _RU_PLATE_LETTERS)}{self.numerify('###')}"
                              f"{letters(2, _RU_PLATE_LETTERS)} {self.random_element(_RU_REGIONS)}")

    def region_company(self, country: str | None = None) -> str:
        """A company name with the country's legal form, e.g. OsOO "Ak-Jol Trans"."""
        country = country or self.region_country()
        stem, trade = self.random_element(_COMPANY_STEMS), self.random_element(_COMPANY_TRADES)
        return self._company(country, stem, trade)

    def region_bank_account(self, country: str | None = None) -> str:
        """An account number in a plausible national format (KZ: an IBAN with check digits)."""
        country = country or self.region_country()
        if country == "kz":
            return _kz_iban(self.numerify("###") + self.numerify("#############"))
        if country == "kg":
            return " ".join(self.numerify("1###") if i == 0 else self.numerify("####")
                            for i in range(4))
        prefix = {"uz": "20208000", "tj": "20202972", "ru": "40817810"}[country]
        return prefix + self.numerify("############")

    def region_address(self, country: str | None = None) -> str:
        """Street, house number and city."""
        country = country or self.region_country()
        street, number = self.random_element(STREETS[country]), self.random_int(1, 180)
        return self._address(street, number, self.region_city(country))

    def shipment_ref(self) -> str:
        """A CMR consignment note number."""
        return f"CMR {self.numerify('#######')}"

    def region_date_of_birth(self) -> str:
        """An ISO date from 1960 to 2004, fixed range so a seed gives the same date every year."""
        start = date(1960, 1, 1)
        return (start + timedelta(days=self.random_int(0, (date(2004, 12, 31) - start).days))).isoformat()

    def _gender(self) -> str:
        return self.random_element(("male", "female"))

    def _letters(self, count: int, pool: str = _PLATE_LETTERS) -> str:
        return "".join(self.random_element(pool) for _ in range(count))

    # How drawn values are written. The Cyrillic provider overrides these and nothing that
    # draws, so both scripts make the same draws and a seed gives the same case in either.

    def _given(self, name: str) -> str:
        return name

    def _surname(self, surname: str, female: bool) -> str:
        return feminine_surname(surname) if female else surname

    def _patronymic_surname(self, country: str, father: str, female: bool) -> str:
        if country == "kg":
            return f"{father} {'kyzy' if female else 'uulu'}"
        return father + ("kyzy" if female else "uly")

    def _patronymic(self, father: str, female: bool) -> str:
        return cyr.latin_patronymic(father, female) or ""

    def _place(self, name: str) -> str:
        return name

    def _ru_plate(self, plate: str) -> str:
        return plate

    def _company(self, country: str, stem: str, trade: str) -> str:
        return f'{COMPANY_FORMS[country]} "{stem} {trade}"'

    def _address(self, street: str, number: int, city: str) -> str:
        return f"{street} {number}, {city}"


class CyrillicRegionProvider(RegionProvider):
    """The same draws as RegionProvider, written in Cyrillic as Russian-language papers do."""

    def _given(self, name: str) -> str:
        return cyr.GIVEN_NAMES[name]

    def _surname(self, surname: str, female: bool) -> str:
        surname = cyr.SURNAMES[surname]
        return cyr.feminine_surname(surname) if female else surname

    def _patronymic_surname(self, country: str, father: str, female: bool) -> str:
        return cyr.GIVEN_NAMES[father] + cyr.PATRONYMIC_SUFFIXES[country][female]

    def _patronymic(self, father: str, female: bool) -> str:
        return cyr.patronymic(cyr.GIVEN_NAMES[father], female) or ""

    def _place(self, name: str) -> str:
        return cyr.PLACES[name]

    def _ru_plate(self, plate: str) -> str:
        return plate.translate(cyr.RU_PLATE_LETTERS)

    def _company(self, country: str, stem: str, trade: str) -> str:
        form = self.random_element(cyr.COMPANY_FORMS[country])
        return f"{form} «{cyr.COMPANY_WORDS[stem]} {cyr.COMPANY_WORDS[trade]}»"

    def _address(self, street: str, number: int, city: str) -> str:
        return f"г. {city}, {cyr.STREETS[street]}, {number}"


def _kz_iban(bban: str) -> str:
    """KZ + ISO 13616 check digits + 16-character account, grouped by four."""
    number = int("".join(str(int(ch, 36)) for ch in bban + "KZ00"))
    iban = f"KZ{98 - number % 97:02d}{bban}"
    return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))


# -- template placeholders --------------------------------------------------------------

Placeholder = Callable[[Faker, Mapping[str, str]], str]


def _gender(attrs: Mapping[str, str]) -> str | None:
    gender = str(attrs.get("gender", "")).strip().lower()
    return gender if gender in ("male", "female") else None


def _nationality(attrs: Mapping[str, str]) -> str | None:
    value = str(attrs.get("nationality", "")).strip().lower()
    value = _NATIONALITY_WORDS.get(value, value)
    return value if value in COUNTRIES else None


def _placeholders() -> dict[str, Placeholder]:
    table: dict[str, Placeholder] = {
        "person": lambda f, a: f.region_person(_nationality(a), _gender(a)),
        "first_name": lambda f, a: f.region_first_name(_nationality(a), _gender(a)),
        "last_name": lambda f, a: f.region_last_name(_nationality(a), _gender(a)),
        "patronymic": lambda f, a: f.region_patronymic(_nationality(a), _gender(a)),
        "city": lambda f, a: f.region_city(),
        "border_crossing": lambda f, a: f.border_crossing(),
        "shipment_ref": lambda f, a: f.shipment_ref(),
        "date_of_birth": lambda f, a: f.region_date_of_birth(),
        "number": lambda f, a: f.numerify("######"),
    }
    for cc in COUNTRIES:
        table.update({
            f"person_{cc}": lambda f, a, cc=cc: f.region_person(cc, _gender(a)),
            f"first_name_{cc}": lambda f, a, cc=cc: f.region_first_name(cc, _gender(a)),
            f"last_name_{cc}": lambda f, a, cc=cc: f.region_last_name(cc, _gender(a)),
            f"patronymic_{cc}": lambda f, a, cc=cc: f.region_patronymic(cc, _gender(a)),
            f"city_{cc}": lambda f, a, cc=cc: f.region_city(cc),
            f"border_crossing_{cc}": lambda f, a, cc=cc: f.border_crossing(cc),
            f"phone_{cc}": lambda f, a, cc=cc: f.region_phone(cc),
            f"plate_{cc}": lambda f, a, cc=cc: f.region_plate(cc),
            f"company_{cc}": lambda f, a, cc=cc: f.region_company(cc),
            f"bank_account_{cc}": lambda f, a, cc=cc: f.region_bank_account(cc),
            f"address_{cc}": lambda f, a, cc=cc: f.region_address(cc),
        })
    return table


# Placeholder name -> function(faker, entity attributes) -> value. Filled at import.
PLACEHOLDERS: dict[str, Placeholder] = _placeholders()


def make_faker(language: str = "en") -> Faker:
    """A fresh Faker with the regional provider writing in the language's script (Latin for an
    unknown language); seed it with seed_instance, never globally."""
    fake = Faker("en_US")
    cyrillic = SCRIPTS.get(language) == "cyrillic"
    fake.add_provider(CyrillicRegionProvider if cyrillic else RegionProvider)
    return fake
