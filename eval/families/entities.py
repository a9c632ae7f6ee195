"""Entity pools shared by the families: to-dos, documents, files, tables, units, people.

Pools are plain tuples; `Ctx.pick` gives each split its own share (every
fourth item is test-only), so keep pools at 8+ items and append rather than
reorder (reordering moves items between splits). This module knows nothing
of phrasings or servers.
"""

from __future__ import annotations

from dataclasses import dataclass

TODO_TITLES = (
    "buy milk",
    "call the dentist",
    "renew passport",
    "pay the electricity bill",
    "book a haircut",
    "send the quarterly report",
    "water the plants",
    "pick up dry cleaning",
    "email Sarah about the budget",
    "fix the leaking tap",
    "order printer ink",
    "cancel the gym membership",
    "prepare slides for Monday",
    "return library books",
    "schedule car service",
    "buy a birthday gift for Tom",
    "update the resume",
    "clean the garage",
    "file the expense claim",
    "call the bank",
    "back up the laptop",
    "buy train tickets",
    "write thank-you notes",
    "defrost the freezer",
    "review the contract",
    "plan the team offsite",
    "replace smoke alarm batteries",
    "submit the tax return",
    "book flights to Lisbon",
    "walk the dog",
    "reply to the landlord",
    "get a flu shot",
)
TAGS = ("home", "work", "errands", "finance", "health", "family", "travel", "urgent")
PEOPLE = ("Alice", "Bob", "Carla", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Keiko", "Liam")


@dataclass(frozen=True)
class Doc:
    """A knowledge-base document with one fact a question can ask for."""

    title: str
    text: str
    keywords: str  # what a person would search for
    question: str  # asks for the fact, e.g. "how many vacation days do we get"
    fact: str  # the answer's key words, found verbatim in `text`
    number: float | None = None  # the fact as a number, when it is one


DOCS = (
    Doc(
        "Vacation policy",
        "Full-time employees get 25 days of paid vacation per year. Unused days expire in March.",
        "vacation policy",
        "how many vacation days employees get per year",
        "25 days",
        25,
    ),
    Doc(
        "Expense limits",
        "Meals on business trips are reimbursed up to 60 euros per day. Keep every receipt.",
        "expense limits meals",
        "the daily meal allowance on business trips",
        "60 euros",
        60,
    ),
    Doc(
        "Office wifi",
        "The guest wifi network is LT-Guest and its password is maple-river-42.",
        "guest wifi password",
        "the guest wifi password",
        "maple-river-42",
    ),
    Doc(
        "Server maintenance",
        "Production servers are patched every Tuesday at 02:00 UTC; a patch window lasts 90 minutes.",
        "server maintenance window",
        "how long a patch window lasts",
        "90 minutes",
        90,
    ),
    Doc(
        "Parental leave",
        "Parents may take 16 weeks of paid parental leave, in up to three blocks.",
        "parental leave",
        "how many weeks of paid parental leave parents get",
        "16 weeks",
        16,
    ),
    Doc(
        "Coffee machine",
        "The third-floor coffee machine is descaled every 14 days by facilities.",
        "coffee machine descaling",
        "how often the coffee machine is descaled",
        "14 days",
        14,
    ),
    Doc(
        "Remote work",
        "Staff may work remotely up to 3 days per week after their probation period.",
        "remote work days",
        "how many remote days per week are allowed",
        "3 days",
        3,
    ),
    Doc(
        "Bike storage",
        "The bike room in the basement holds 48 bikes; badge access is required.",
        "bike room capacity",
        "how many bikes the basement bike room holds",
        "48 bikes",
        48,
    ),
    Doc(
        "Support hours",
        "Customer support answers calls from 8:00 to 18:00 on weekdays, at extension 4410.",
        "support hours extension",
        "the support phone extension",
        "4410",
        4410,
    ),
    Doc(
        "Laptop refresh",
        "Company laptops are replaced every 36 months; request a new one through the IT portal.",
        "laptop replacement",
        "how many months until a laptop is replaced",
        "36 months",
        36,
    ),
    Doc(
        "Fire drill",
        "The next fire drill assembles at the north parking lot; the building must be empty in 5 minutes.",
        "fire drill assembly point",
        "where people assemble during a fire drill",
        "north parking lot",
    ),
    Doc(
        "Travel booking",
        "Flights over 6 hours may be booked in premium economy with manager approval.",
        "flight class policy",
        "how long a flight must be for premium economy",
        "6 hours",
        6,
    ),
    Doc(
        "Library loans",
        "Books from the office library can be borrowed for 21 days and renewed once.",
        "library loan period",
        "how long office library books can be borrowed",
        "21 days",
        21,
    ),
    Doc(
        "Parking permits",
        "A monthly parking permit costs 85 euros and is deducted from the salary.",
        "parking permit cost",
        "what a monthly parking permit costs",
        "85 euros",
        85,
    ),
    Doc(
        "Onboarding",
        "New hires meet their buddy on day one and finish security training within 10 days.",
        "onboarding security training",
        "how many days new hires have for security training",
        "10 days",
        10,
    ),
    Doc(
        "Printer codes",
        "The color printer on floor two uses the release code 7731 for confidential jobs.",
        "printer release code",
        "the color printer's release code",
        "7731",
        7731,
    ),
)


@dataclass(frozen=True)
class TextFile:
    path: str
    content: str
    fact: str  # words found verbatim in `content`


FILES = (
    TextFile("notes/todo.txt", "- call the plumber\n- buy lightbulbs\n- send invoice 1182\n", "invoice 1182"),
    TextFile("notes/meeting.md", "# Weekly sync\nDecision: launch moves to March 4.\nOwner: Priya\n", "March 4"),
    TextFile("recipes/pancakes.txt", "2 eggs\n250 ml milk\n120 g flour\npinch of salt\n", "120 g flour"),
    TextFile("travel/itinerary.txt", "Flight LH1234 departs 07:45 from gate B12.\nHotel: Casa Azul\n", "gate B12"),
    TextFile("projects/alpha/status.md", "Status: amber\nBlocker: waiting for the API keys\n", "API keys"),
    TextFile("journal/2026-10-01.txt", "Ran 8 km in the park. Felt great.\n", "8 km"),
    TextFile("config/settings.ini", "[server]\nport = 8081\nworkers = 4\n", "8081"),
    TextFile("letters/landlord.txt", "Dear Mr. Brandt,\nthe heating in flat 3B has failed again.\n", "flat 3B"),
    TextFile("notes/ideas.txt", "App idea: a plant-watering reminder that reads soil sensors.\n", "soil sensors"),
    TextFile("reports/q3.txt", "Q3 revenue: 1.2 million euros\nNew customers: 340\n", "340"),
    TextFile("notes/gift-list.txt", "Mum: a scarf\nDad: a chess book\nNina: headphones\n", "chess book"),
    TextFile("docs/setup.md", "Install with pip, then run make init. Python 3.11 is required.\n", "make init"),
)


# What a table cell holds: TEXT, INTEGER or REAL (no NULLs in these tables).
Cell = str | int | float


@dataclass(frozen=True)
class Table:
    """A small SQLite table: its DDL, rows, and a name a person uses for it."""

    name: str
    columns: tuple[str, ...]  # name TYPE
    rows: tuple[tuple[Cell, ...], ...]
    noun: str

    def ddl(self) -> str:
        """CREATE TABLE plus INSERTs, as one script for sql__execute."""
        cols = ", ".join(self.columns)
        values = ", ".join("(" + ", ".join(_sql_literal(v) for v in row) + ")" for row in self.rows)
        names = ", ".join(c.split()[0] for c in self.columns)
        return f"CREATE TABLE {self.name} ({cols}); INSERT INTO {self.name} ({names}) VALUES {values}"


def _sql_literal(value: Cell) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return str(value)


TABLES = (
    Table(
        "products",
        ("name TEXT", "price REAL", "stock INTEGER"),
        (("pen", 1.5, 120), ("notebook", 4.25, 35), ("stapler", 12.0, 8), ("backpack", 39.9, 5), ("mug", 7.5, 60)),
        "products",
    ),
    Table(
        "employees",
        ("name TEXT", "team TEXT", "salary INTEGER"),
        (
            ("Ana", "sales", 52000),
            ("Ben", "engineering", 71000),
            ("Chloe", "engineering", 68000),
            ("Dev", "support", 45000),
            ("Eva", "sales", 58000),
        ),
        "employees",
    ),
    Table(
        "books",
        ("title TEXT", "author TEXT", "year INTEGER"),
        (
            ("Dune", "Herbert", 1965),
            ("Neuromancer", "Gibson", 1984),
            ("Hyperion", "Simmons", 1989),
            ("Foundation", "Asimov", 1951),
        ),
        "books",
    ),
    Table(
        "orders",
        ("customer TEXT", "amount REAL", "status TEXT"),
        (
            ("acme", 250.0, "shipped"),
            ("globex", 99.5, "pending"),
            ("initech", 410.0, "shipped"),
            ("acme", 75.25, "pending"),
            ("umbrella", 180.0, "cancelled"),
        ),
        "orders",
    ),
    Table(
        "cities",
        ("name TEXT", "country TEXT", "population INTEGER"),
        (
            ("Lyon", "France", 522000),
            ("Porto", "Portugal", 232000),
            ("Graz", "Austria", 291000),
            ("Turku", "Finland", 195000),
        ),
        "cities",
    ),
    Table(
        "runs",
        ("day TEXT", "km REAL", "minutes INTEGER"),
        (("2026-11-01", 5.0, 28), ("2026-11-03", 8.2, 47), ("2026-11-06", 10.0, 58), ("2026-11-08", 3.5, 19)),
        "runs",
    ),
    Table(
        "plants",
        ("name TEXT", "room TEXT", "water_every_days INTEGER"),
        (("fern", "bathroom", 3), ("cactus", "office", 21), ("monstera", "living room", 7), ("basil", "kitchen", 2)),
        "plants",
    ),
    Table(
        "invoices",
        ("number INTEGER", "client TEXT", "total REAL"),
        ((1181, "Hooli", 1200.0), (1182, "Pied Piper", 860.5), (1183, "Aviato", 430.0), (1184, "Hooli", 99.99)),
        "invoices",
    ),
)

# (value choices, from-unit spellings, to-unit spellings); the first spelling is the canonical one.
CONVERSIONS = (
    ((5, 10, 21.1, 42.195), ("km", "kilometers"), ("mi", "miles")),
    ((3, 12, 26.2), ("mi", "miles"), ("km", "kilometers")),
    ((70, 85, 100), ("kg", "kilograms"), ("lb", "pounds")),
    ((150, 180, 220), ("lb", "pounds"), ("kg", "kilograms")),
    ((68, 98.6, 212), ("°F", "fahrenheit"), ("°C", "celsius")),
    ((20, 37, 100), ("°C", "celsius"), ("°F", "fahrenheit")),
    ((2, 5, 16), ("GiB", "gibibytes"), ("MB", "megabytes")),
    ((1, 2.5, 4), ("gal", "gallons"), ("l", "liters")),
    ((6, 12, 30), ("in", "inches"), ("cm", "centimeters")),
    ((90, 150, 240), ("min", "minutes"), ("h", "hours")),
    ((500, 750, 1000), ("ml", "milliliters"), ("cup", "cups")),
    ((5, 6, 7), ("ft", "feet"), ("m", "meters")),
)
