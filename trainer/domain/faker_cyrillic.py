"""Cyrillic forms of the regional provider's values, as Russian-language papers in the region write them.

Each table maps a Latin value of `faker_region` to its Cyrillic form, so the Cyrillic provider
makes exactly the draws the Latin one makes and a seed gives the same person, firm and place in
either script. Kyrgyz, Kazakh, Tajik and Uzbek names are written in the Russian spelling used in
passports and case files of the region (Жылдыз, Джамшед, Каримзода), with no letters outside
the Russian alphabet.
"""

from __future__ import annotations

GIVEN_NAMES: dict[str, str] = {
    # kg
    "Azamat": "Азамат", "Bakyt": "Бакыт", "Nurlan": "Нурлан", "Temirlan": "Темирлан",
    "Almaz": "Алмаз", "Ulan": "Улан", "Adilet": "Адилет", "Eldiyar": "Элдияр", "Marat": "Марат",
    "Bektur": "Бектур", "Chyngyz": "Чынгыз", "Ermek": "Эрмек", "Kanat": "Канат",
    "Talant": "Талант", "Aibek": "Айбек", "Mirlan": "Мирлан",
    "Aigul": "Айгуль", "Aizada": "Айзада", "Cholpon": "Чолпон", "Gulnara": "Гульнара",
    "Nazira": "Назира", "Jyldyz": "Жылдыз", "Aidai": "Айдай", "Begimai": "Бегимай",
    "Meerim": "Мээрим", "Elnura": "Элнура", "Asel": "Асель", "Kanykei": "Каныкей",
    "Nurzada": "Нурзада", "Aizhan": "Айжан",
    # tj
    "Firuz": "Фируз", "Rustam": "Рустам", "Bahrom": "Бахром", "Dilshod": "Дилшод",
    "Farhod": "Фарход", "Jamshed": "Джамшед", "Sino": "Сино", "Faridun": "Фаридун",
    "Umed": "Умед", "Shavkat": "Шавкат", "Manuchehr": "Манучехр", "Sorbon": "Сорбон",
    "Parviz": "Парвиз", "Zafar": "Зафар",
    "Nigina": "Нигина", "Zarina": "Зарина", "Madina": "Мадина", "Firuza": "Фируза",
    "Manizha": "Манижа", "Tahmina": "Тахмина", "Shahnoza": "Шахноза", "Parvina": "Парвина",
    "Mehrangez": "Мехрангез", "Gulchehra": "Гульчехра", "Sitora": "Ситора", "Nilufar": "Нилуфар",
    # uz
    "Akmal": "Акмал", "Bobur": "Бобур", "Jasur": "Жасур", "Sardor": "Сардор", "Otabek": "Отабек",
    "Sherzod": "Шерзод", "Ulugbek": "Улугбек", "Jahongir": "Джахонгир", "Sanjar": "Санжар",
    "Azizbek": "Азизбек", "Doniyor": "Дониёр", "Javlon": "Жавлон", "Bekzod": "Бекзод",
    "Dilnoza": "Дильноза", "Gulnora": "Гульнора", "Malika": "Малика", "Shahlo": "Шахло",
    "Feruza": "Феруза", "Dildora": "Дилдора", "Nodira": "Нодира", "Kamola": "Камола",
    "Sevara": "Севара", "Zulfiya": "Зульфия",
    # kz
    "Yerlan": "Ерлан", "Askar": "Аскар", "Daniyar": "Данияр", "Arman": "Арман",
    "Bauyrzhan": "Бауыржан", "Yerzhan": "Ержан", "Aidos": "Айдос", "Dauren": "Даурен",
    "Sanzhar": "Санжар", "Timur": "Тимур", "Zhandos": "Жандос", "Serik": "Серик",
    "Aigerim": "Айгерим", "Dana": "Дана", "Dinara": "Динара", "Aruzhan": "Аружан",
    "Gulnur": "Гульнур", "Saule": "Сауле", "Zhanar": "Жанар", "Aliya": "Алия", "Ainur": "Айнур",
    "Balzhan": "Балжан", "Kamila": "Камила",
    # ru
    "Alexei": "Алексей", "Dmitry": "Дмитрий", "Sergei": "Сергей", "Andrei": "Андрей",
    "Ivan": "Иван", "Nikolai": "Николай", "Pavel": "Павел", "Mikhail": "Михаил", "Yuri": "Юрий",
    "Oleg": "Олег", "Konstantin": "Константин", "Roman": "Роман", "Igor": "Игорь",
    "Denis": "Денис",
    "Anna": "Анна", "Elena": "Елена", "Olga": "Ольга", "Natalia": "Наталья", "Irina": "Ирина",
    "Svetlana": "Светлана", "Tatiana": "Татьяна", "Yulia": "Юлия", "Ekaterina": "Екатерина",
    "Maria": "Мария", "Galina": "Галина", "Oksana": "Оксана",
}

# Masculine forms, as in faker_region.SURNAMES.
SURNAMES: dict[str, str] = {
    # kg
    "Toktogulov": "Токтогулов", "Asanov": "Асанов", "Sadyrov": "Садыров", "Mamatov": "Маматов",
    "Osmonov": "Осмонов", "Abdyldaev": "Абдылдаев", "Zhumabaev": "Жумабаев",
    "Bakirov": "Бакиров", "Isakov": "Исаков", "Kasymaliev": "Касымалиев", "Usenov": "Усенов",
    "Sydykov": "Сыдыков", "Tokonov": "Токонов", "Alymkulov": "Алымкулов",
    "Omurbekov": "Омурбеков", "Beishenaliev": "Бейшеналиев", "Mambetov": "Мамбетов",
    "Duishenov": "Дуйшенов",
    # tj
    "Nazarov": "Назаров", "Saidov": "Саидов", "Sharipov": "Шарипов", "Rahimov": "Рахимов",
    "Safarov": "Сафаров", "Davlatov": "Давлатов", "Odinaev": "Одинаев", "Mirzoev": "Мирзоев",
    "Hasanov": "Хасанов", "Boboev": "Бобоев", "Karimzoda": "Каримзода",
    "Rahimzoda": "Рахимзода", "Nazarzoda": "Назарзода", "Safarzoda": "Сафарзода",
    "Sharifzoda": "Шарифзода", "Davlatzoda": "Давлатзода",
    # uz
    "Yusupov": "Юсупов", "Rakhimov": "Рахимов", "Alimov": "Алимов", "Ergashev": "Эргашев",
    "Tursunov": "Турсунов", "Abdullaev": "Абдуллаев", "Usmonov": "Усмонов",
    "Toshmatov": "Тошматов", "Kholmatov": "Холматов", "Sobirov": "Собиров",
    "Juraev": "Джураев", "Nurmatov": "Нурматов", "Khamidov": "Хамидов",
    # kz
    "Akhmetov": "Ахметов", "Zhaksybekov": "Жаксыбеков", "Nurlanov": "Нурланов",
    "Suleimenov": "Сулейменов", "Omarov": "Омаров", "Tulegenov": "Тулегенов",
    "Sarsenbaev": "Сарсенбаев", "Ibraimov": "Ибраимов", "Abenov": "Абенов",
    "Zhumabekov": "Жумабеков", "Baimukhamedov": "Баймухамедов", "Yesenov": "Есенов",
    "Mukanov": "Муканов", "Kassymov": "Касымов",
    # ru
    "Ivanov": "Иванов", "Petrov": "Петров", "Smirnov": "Смирнов", "Kuznetsov": "Кузнецов",
    "Sokolov": "Соколов", "Popov": "Попов", "Lebedev": "Лебедев", "Kozlov": "Козлов",
    "Novikov": "Новиков", "Morozov": "Морозов", "Pavlov": "Павлов", "Semenov": "Семёнов",
    "Egorov": "Егоров", "Orlov": "Орлов", "Kovalevsky": "Ковалевский",
    "Zhukovsky": "Жуковский", "Kovalenko": "Коваленко", "Chernykh": "Черных",
}

# Cities and border crossings under the names Russian-language maps and registers use.
PLACES: dict[str, str] = {
    # kg
    "Bishkek": "Бишкек", "Osh": "Ош", "Jalal-Abad": "Джалал-Абад", "Karakol": "Каракол",
    "Tokmok": "Токмок", "Naryn": "Нарын", "Talas": "Талас", "Batken": "Баткен",
    "Kara-Balta": "Кара-Балта", "Uzgen": "Узген", "Kyzyl-Kiya": "Кызыл-Кия", "Isfana": "Исфана",
    "Balykchy": "Балыкчы", "Kara-Suu": "Кара-Суу", "Nookat": "Ноокат",
    # tj
    "Dushanbe": "Душанбе", "Khujand": "Худжанд", "Khorog": "Хорог", "Kulob": "Куляб",
    "Bokhtar": "Бохтар", "Istaravshan": "Истаравшан", "Panjakent": "Пенджикент",
    "Isfara": "Исфара", "Murghob": "Мургаб", "Vahdat": "Вахдат", "Tursunzoda": "Турсунзаде",
    "Konibodom": "Канибадам", "Ishkoshim": "Ишкашим",
    # uz
    "Tashkent": "Ташкент", "Samarkand": "Самарканд", "Bukhara": "Бухара", "Andijan": "Андижан",
    "Namangan": "Наманган", "Fergana": "Фергана", "Kokand": "Коканд", "Termez": "Термез",
    "Nukus": "Нукус", "Qarshi": "Карши", "Jizzakh": "Джизак", "Navoi": "Навои",
    "Margilan": "Маргилан", "Urgench": "Ургенч",
    # kz
    "Almaty": "Алматы", "Astana": "Астана", "Shymkent": "Шымкент", "Taraz": "Тараз",
    "Karaganda": "Караганда", "Aktobe": "Актобе", "Turkestan": "Туркестан",
    "Kyzylorda": "Кызылорда", "Zharkent": "Жаркент", "Aktau": "Актау", "Atyrau": "Атырау",
    "Pavlodar": "Павлодар",
    # ru
    "Moscow": "Москва", "Saint Petersburg": "Санкт-Петербург", "Novosibirsk": "Новосибирск",
    "Yekaterinburg": "Екатеринбург", "Omsk": "Омск", "Orenburg": "Оренбург", "Samara": "Самара",
    "Kazan": "Казань", "Chelyabinsk": "Челябинск", "Barnaul": "Барнаул",
    "Krasnoyarsk": "Красноярск", "Astrakhan": "Астрахань",
    # border crossings
    "Irkeshtam": "Иркештам", "Torugart": "Торугарт", "Dostuk": "Достук", "Karamyk": "Карамык",
    "Kyzyl-Art": "Кызыл-Арт", "Ak-Zhol": "Ак-Жол", "Korday": "Кордай", "Khorgos": "Хоргос",
    "Zhibek Zholy": "Жибек Жолы", "Gisht-Kuprik": "Гишт-Куприк", "Oybek": "Ойбек",
    "Termez Friendship Bridge": "Мост Дружбы (Термез)", "Panji Poyon": "Нижний Пяндж",
    "Ishkoshim bridge": "мост Ишкашим", "Kulma": "Кульма", "Sagarchin": "Сагарчин",
}

STREETS: dict[str, str] = {
    "Chui Avenue": "просп. Чуй", "Manas Avenue": "просп. Манаса",
    "Kurmanjan Datka St": "ул. Курманжан Датки", "Lenin St": "ул. Ленина",
    "Toktogul St": "ул. Токтогула", "Masaliev Avenue": "просп. Масалиева",
    "Rudaki Avenue": "просп. Рудаки", "Ismoili Somoni Avenue": "просп. Исмоили Сомони",
    "Bukhoro St": "ул. Бухоро", "Shotemur St": "ул. Шотемура",
    "Amir Temur Avenue": "просп. Амира Темура", "Navoi St": "ул. Навои",
    "Mustaqillik Avenue": "просп. Мустакиллик", "Bobur St": "ул. Бабура",
    "Rustaveli St": "ул. Руставели",
    "Abay Avenue": "просп. Абая", "Dostyk Avenue": "просп. Достык", "Tole Bi St": "ул. Толе би",
    "Zheltoksan St": "ул. Желтоксан", "Satpaev St": "ул. Сатпаева",
    "Lenina St": "ул. Ленина", "Sovetskaya St": "ул. Советская", "Mira Avenue": "просп. Мира",
    "Gagarina St": "ул. Гагарина", "Pushkina St": "ул. Пушкина",
}

COMPANY_WORDS: dict[str, str] = {
    "Ak-Jol": "Ак-Жол", "Altyn": "Алтын", "Ala-Too": "Ала-Тоо", "Tulpar": "Тулпар",
    "Silk Way": "Жибек Жолу", "Nur": "Нур", "Baraka": "Барака", "Sharq": "Шарк",
    "Pamir": "Памир", "Sogd": "Согд", "Zarafshon": "Зарафшон", "Navruz": "Навруз",
    "Orient": "Ориент", "Kok-Zhal": "Кок-Жал", "Asia": "Азия", "Bereke": "Береке",
    "Trans": "Транс", "Logistics": "Логистик", "Agro": "Агро", "Trade": "Трейд",
    "Invest": "Инвест", "Auto": "Авто", "Cargo": "Карго", "Textile": "Текстиль",
    "Stroy": "Строй", "Export": "Экспорт", "Market": "Маркет", "Service": "Сервис",
}

# Legal forms written in Russian-language registers, the usual one repeated so it is drawn
# three times in four: ОсОО (Kyrgyz LLC), ООО (LLC in Tajikistan, Uzbekistan and Russia),
# ТОО (Kazakh LLP), ОАО/АО (joint-stock companies).
COMPANY_FORMS: dict[str, tuple[str, ...]] = {
    "kg": ("ОсОО", "ОсОО", "ОсОО", "ОАО"),
    "tj": ("ООО", "ООО", "ООО", "ОАО"),
    "uz": ("ООО", "ООО", "ООО", "АО"),
    "kz": ("ТОО", "ТОО", "ТОО", "АО"),
    "ru": ("ООО", "ООО", "ООО", "АО"),
}

# Russian plates are written in the twelve Cyrillic letters that look like Latin ones.
RU_PLATE_LETTERS = str.maketrans("ABEKMHOPCTYX", "АВЕКМНОРСТУХ")

# Kyrgyz "Bakyt uulu / kyzy", Kazakh "Serikuly / Serikkyzy", as written in Russian.
PATRONYMIC_SUFFIXES = {"kg": (" уулу", " кызы"), "kz": ("улы", "кызы")}

# Russian-style patronymics (-ович/-овна, -евич/-евна) whose stem is not the regular one.
_PATRONYMIC_STEMS = {"Павел": "Павлов", "Михаил": "Михайлов", "Юрий": "Юрьев", "Лев": "Львов"}
_HUSHING = ("ж", "ш", "ч", "щ", "ц")


def feminine_surname(surname: str) -> str:
    """Иванов -> Иванова, Ковалевский -> Ковалевская; -зода, -енко, -ых do not change."""
    if surname.endswith(("ский", "цкий")):
        return surname[:-2] + "ая"
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    return surname


def patronymic(father: str, female: bool) -> str | None:
    """Алексей -> Алексеевич / Алексеевна, Бакыт -> Бакытович; None for a name ending in a vowel."""
    if father in _PATRONYMIC_STEMS:
        stem = _PATRONYMIC_STEMS[father]
    elif father.endswith(("й", "ь")):
        stem = father[:-1] + "ев"
    elif father[-1] in "аеёиоуыэюя":
        return None
    else:
        stem = father + ("ев" if father.endswith(_HUSHING) else "ов")
    return stem + ("на" if female else "ич")


# The same patronymics in the Latin spelling of faker_region (Alexeyevich, Pavlovna).
_LATIN_PATRONYMIC_STEMS = {
    "Alexei": "Alexeyev", "Sergei": "Sergeyev", "Andrei": "Andreyev", "Nikolai": "Nikolayev",
    "Dmitry": "Dmitriyev", "Yuri": "Yuryev", "Pavel": "Pavlov", "Mikhail": "Mikhailov",
    "Igor": "Igorev",
}


def latin_patronymic(father: str, female: bool) -> str | None:
    """Alexei -> Alexeyevich / Alexeyevna, Bakyt -> Bakytovich; None when the Cyrillic form is None."""
    if patronymic(GIVEN_NAMES[father], female) is None:
        return None
    stem = _LATIN_PATRONYMIC_STEMS.get(father, father + "ov")
    return stem + ("na" if female else "ich")
