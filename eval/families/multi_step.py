"""`multi_step`: two or three chained calls, often across servers, a later one using an earlier result.

Fresh state per episode makes every id and value predictable at generation
time (documents are doc-1.., to-dos 1..), so the reference plan is exact even
where a later call depends on an earlier result. Pools only this family uses
(computations on documents, deadline documents, measurement files, extra
tables) live here; every fourth item of each is test-only, as in entities.
"""

from __future__ import annotations

import re
from datetime import timedelta

from eval.families.base import Ctx, Draft, Family, Intent, in_split
from eval.families.build import any_of, call, called, contains, optional, regex, setup, state
from eval.families.calcref import converted, evaluated, number_key
from eval.families.entities import DOCS, TABLES, Doc, Table
from eval.families.grammar import spoken_date, widen
from eval.families.single_tool import docs_setup, files_setup, todo_setup

CATEGORY = "multi_step"

# (document title, what to work out from its number, calc expression)
COMPUTATIONS = (
    ("Vacation policy", "the vacation a full-timer gets per year in hours, at 8 hours a day", "25 * 8"),
    ("Expense limits", "the most I can claim for meals on a 4-day trip", "60 * 4"),
    ("Parental leave", "the paid parental leave expressed in days", "16 * 7"),
    ("Server maintenance", "the total hours of patching over 52 weekly patch windows", "90 * 52 / 60"),
    ("Coffee machine", "the number of hours between two descalings", "14 * 24"),
    ("Remote work", "the number of remote days someone could work in a 46-week year", "3 * 46"),
    ("Bike storage", "the number of bikes 3 bike rooms that size would hold", "48 * 3"),
    ("Laptop refresh", "the laptop replacement cycle in weeks, at 52 weeks a year", "36 / 12 * 52"),
    ("Travel booking", "the minimum flight length for premium economy, in minutes", "6 * 60"),
    ("Library loans", "the longest I can keep a book if I renew it once (two loan periods)", "21 * 2"),
    ("Parking permits", "the yearly cost of a parking permit", "85 * 12"),
    ("Onboarding", "the security training deadline for new hires, in hours", "10 * 24"),
    ("Expense limits", "the meal allowance for a 10-day trip", "60 * 10"),
    ("Vacation policy", "the vacation in hours for a part-timer working 6 hours a day", "25 * 6"),
)
# documents naming a number of days, and the to-do due that many days from today
DEADLINES = (
    (
        Doc(
            "Returns policy",
            "Customers may return unused items within 30 days of delivery.",
            "returns policy",
            "how many days customers have to return items",
            "30 days",
            30,
        ),
        "return the faulty kettle",
    ),
    (
        Doc(
            "Password rotation",
            "Passwords must be changed every 90 days; the portal warns a week ahead.",
            "password rotation",
            "how often passwords must be changed",
            "90 days",
            90,
        ),
        "change my password",
    ),
    (
        Doc(
            "Expense deadline",
            "Expense claims must be filed within 14 days of the trip.",
            "expense claim deadline",
            "the deadline for filing expense claims",
            "14 days",
            14,
        ),
        "file the Berlin trip expenses",
    ),
    (
        Doc(
            "Invoice terms",
            "Supplier invoices are paid within 45 days of receipt.",
            "supplier invoice payment terms",
            "how many days we have to pay supplier invoices",
            "45 days",
            45,
        ),
        "pay the Acme invoice",
    ),
    (
        Doc(
            "Code review",
            "Pull requests should get a first review within 2 days.",
            "code review turnaround",
            "how quickly pull requests should get a first review",
            "2 days",
            2,
        ),
        "review the login pull request",
    ),
    (
        Doc(
            "Equipment loans",
            "Projectors borrowed from facilities must come back within 7 days.",
            "projector loans",
            "how long a projector can be borrowed",
            "7 days",
            7,
        ),
        "return the projector",
    ),
    (
        Doc(
            "Probation",
            "The probation period for new hires lasts 60 days.",
            "probation period",
            "how long the probation period lasts",
            "60 days",
            60,
        ),
        "hold the probation review for Sam",
    ),
    (
        Doc(
            "Board games",
            "Games from the board game shelf may be borrowed for 5 days.",
            "board game loans",
            "how long board games can be borrowed",
            "5 days",
            5,
        ),
        "return the board game",
    ),
    (
        Doc(
            "Visitor badges",
            "Visitor badges stay valid for 3 days and must then be handed back.",
            "visitor badges",
            "how long a visitor badge stays valid",
            "3 days",
            3,
        ),
        "hand back the visitor badge",
    ),
)
# (path, content with {v}, values, from-unit spellings, to-unit spellings, what the number is)
MEASURES = (
    (
        "journal/run.txt",
        "Ran {v} km along the river. Legs tired.\n",
        (5, 8, 12.5),
        ("km", "kilometers"),
        ("miles", "mi"),
        "the distance I ran",
    ),
    (
        "travel/luggage.txt",
        "Checked suitcase: {v} kg\nCarry-on: 7 kg\n",
        (18, 23.5),
        ("kg", "kilograms"),
        ("pounds", "lb", "lbs"),
        "the checked suitcase's weight",
    ),
    (
        "recipes/bread.txt",
        "500 g flour\n{v} ml warm water\n1 tsp salt\n",
        (300, 350),
        ("ml", "milliliters"),
        ("cups", "cup"),
        "the amount of water",
    ),
    (
        "weather/today.txt",
        "Forecast high: {v} °F, sunny.\n",
        (77, 86, 95),
        ("°F", "F", "fahrenheit"),
        ("Celsius", "°C", "C"),
        "the forecast high",
    ),
    (
        "garden/fence.txt",
        "New fence along the back: {v} ft.\n",
        (24, 40),
        ("ft", "feet"),
        ("meters", "m"),
        "the fence length",
    ),
    (
        "car/trip.txt",
        "Fuel used on the trip: {v} gal\n",
        (6, 9.5),
        ("gal", "gallons"),
        ("liters", "l", "litres"),
        "the fuel used",
    ),
    (
        "desk/monitor.txt",
        "Monitor diagonal: {v} in\n",
        (24, 27, 32),
        ("in", "inches"),
        ("centimeters", "cm"),
        "the monitor's diagonal",
    ),
    (
        "hikes/ridge.txt",
        "Ridge trail: {v} mi round trip.\n",
        (7, 9.5),
        ("mi", "miles"),
        ("kilometers", "km"),
        "the trail length",
    ),
    (
        "kitchen/roast.txt",
        "Roast the chicken for {v} min at 200 C.\n",
        (90, 105),
        ("min", "minutes"),
        ("hours", "h"),
        "the roasting time",
    ),
)
EXTRA_TABLES = (
    Table(
        "shipments",
        ("destination TEXT", "weight_kg REAL"),
        (("Oslo", 12.5), ("Rome", 7.0), ("Kyiv", 20.5), ("Lima", 4.0)),
        "shipments",
    ),
    Table(
        "fuel_log",
        ("day TEXT", "liters REAL"),
        (("2026-10-03", 42.0), ("2026-10-17", 38.5), ("2026-10-30", 45.5)),
        "fuel fill-ups",
    ),
    Table("rainfall", ("month TEXT", "mm REAL"), (("August", 62.0), ("September", 81.5), ("October", 96.5)), "months"),
)
# (table, SQL aggregate, from-unit spellings, to-unit spellings, what it is)
AGGREGATES = (
    ("runs", "SUM(km)", ("km", "kilometers"), ("miles", "mi"), "the total of the km column in the runs table"),
    (
        "shipments",
        "SUM(weight_kg)",
        ("kg", "kilograms"),
        ("pounds", "lb", "lbs"),
        "the combined weight_kg of all rows in the shipments table",
    ),
    ("runs", "SUM(minutes)", ("min", "minutes"), ("hours", "h"), "the total of the minutes column in the runs table"),
    ("fuel_log", "SUM(liters)", ("l", "liters"), ("gallons", "gal"), "the total liters in the fuel_log table"),
    ("rainfall", "SUM(mm)", ("mm", "millimeters"), ("inches", "in"), "the total mm of rain in the rainfall table"),
    ("runs", "AVG(km)", ("km", "kilometers"), ("miles", "mi"), "the average km per run in the runs table"),
    (
        "shipments",
        "MAX(weight_kg)",
        ("kg", "kilograms"),
        ("pounds", "lb", "lbs"),
        "the largest weight_kg in the shipments table",
    ),
    ("rainfall", "MAX(mm)", ("mm", "millimeters"), ("inches", "in"), "the highest monthly mm in the rainfall table"),
    ("fuel_log", "AVG(liters)", ("l", "liters"), ("gallons", "gal"), "the average liters per fill-up in fuel_log"),
)
# (table, what to find, sort column, direction, to-do title, how the request names the to-do)
SUPERLATIVES = (
    ("products", "the product with the lowest stock", "stock", "ASC", "reorder {name}", "reorder it"),
    (
        "employees",
        "the best-paid employee",
        "salary",
        "DESC",
        "schedule a salary review with {name}",
        "schedule a salary review with them",
    ),
    ("books", "the oldest book", "year", "ASC", "re-read {name}", "re-read it"),
    ("cities", "the biggest city", "population", "DESC", "plan a trip to {name}", "plan a trip there"),
    (
        "plants",
        "the plant that needs water most often",
        "water_every_days",
        "ASC",
        "water the {name}",
        "water that plant",
    ),
    ("products", "the cheapest product", "price", "ASC", "stock up on {name}", "stock up on it"),
    (
        "orders",
        "the customer with the biggest order",
        "amount",
        "DESC",
        "send a thank-you to {name}",
        "send them a thank-you",
    ),
    ("cities", "the smallest city", "population", "ASC", "research {name}", "research it"),
    ("invoices", "the invoice with the highest total", "total", "DESC", "chase invoice {name}", "chase it"),
    ("employees", "the lowest-paid employee", "salary", "ASC", "check in with {name}", "check in with them"),
    ("books", "the newest book", "year", "DESC", "lend out {name}", "lend it out"),
    (
        "plants",
        "the plant that needs water least often",
        "water_every_days",
        "DESC",
        "repot the {name}",
        "repot that plant",
    ),
)
# (table, key column, key, what to work out, calc expression over the row's {columns})
LOOKUPS = (
    ("products", "name", "stapler", "the cost of 15 staplers", "{price} * 15"),
    ("employees", "name", "Chloe", "Chloe's monthly salary", "{salary} / 12"),
    ("invoices", "number", 1182, "the total of invoice 1182 with 20% VAT added", "{total} * 1.2"),
    ("runs", "day", "2026-11-03", "my pace on 2026-11-03 in minutes per km", "{minutes} / {km}"),
    ("plants", "name", "fern", "the number of times a year (365 days) I water the fern", "365 / {water_every_days}"),
    ("products", "name", "mug", "the price of 40 mugs", "{price} * 40"),
    ("employees", "name", "Eva", "Eva's salary after a 3% raise", "{salary} * 1.03"),
    ("cities", "name", "Porto", "Porto's population in thousands", "{population} / 1000"),
    ("invoices", "number", 1184, "the total of invoice 1184 after a 10% discount", "{total} * 0.9"),
    ("products", "name", "notebook", "the cost of a dozen notebooks", "{price} * 12"),
    ("cities", "name", "Graz", "Graz's population if it grew by 5%", "{population} * 1.05"),
    ("runs", "day", "2026-11-06", "my pace on 2026-11-06 in minutes per km", "{minutes} / {km}"),
)
DESTINATIONS = ("backup", "archive", "copies", "shared", "old", "exports", "drafts", "keep")
RESULT_FILES = (
    "results/answer.txt",
    "out/result.txt",
    "calc/value.txt",
    "notes/number.txt",
    "tmp/output.txt",
    "answers/latest.txt",
    "data/result.txt",
    "scratch/answer.txt",
)
NOTE_FILES = (
    "notes/kb-answer.txt",
    "notes/remember.txt",
    "notes/facts.md",
    "inbox/from-docs.txt",
    "notes/lookup.txt",
    "answers/policy.txt",
    "memo/fact.txt",
    "notes/quick-ref.txt",
)


def _draft(servers: list[str], calls: list[dict], answer: str, checks: list[dict], **extra) -> Draft:
    return Draft(CATEGORY, sorted(servers), calls, answer, checks, **extra)


def _table(name: str) -> Table:
    return next(t for t in (*TABLES, *EXTRA_TABLES) if t.name == name)


def _column(table: Table, name: str) -> list:
    index = [c.split()[0] for c in table.columns].index(name)
    return [row[index] for row in table.rows]


def _num(value: float) -> str:
    """A number as SQLite shows it (REALs keep their '.0')."""
    return repr(round(value, 9)) if isinstance(value, float) else str(value)


def _shows(shown: str) -> dict:
    """A check that the answer shows calc's `shown` (thousands separators, 1-decimal rounding allowed)."""
    text = shown.split("≈")[-1].strip()
    forms = {number_key(text)} | ({f"{float(text):.1f}"} if "." in text else set())
    pieces = [
        re.sub(r"\B(?=(\d{3})+$)", ",?", f.partition(".")[0]) + re.escape(f[len(f.partition(".")[0]) :])
        for f in sorted(forms)
    ]
    end = "" if "." in text else r"(?!,?\d)"
    return regex(r"(?<![\d.])(?:" + "|".join(pieces) + ")" + end)


def _key(doc: Doc) -> str:
    """What any faithful statement of `doc`'s fact contains: its number, else its fact words."""
    return doc.fact if doc.number is None else f"{doc.number:g}"


def _fact(doc: Doc) -> dict:
    """A check that the answer states `doc`'s fact."""
    return contains(doc.fact) if doc.number is None else _shows(f"{doc.number:g}")


def _stable_key(shown: str) -> str:
    """number_key of `shown`, or its whole part when rounding to 1 or 2 decimals would change that key."""
    key = number_key(shown)
    rounded = (f"{float(shown):.{n}f}" for n in (1, 2))
    return key if all(r.startswith(key) for r in rounded) else shown.partition(".")[0]


def _said(shown: str) -> str:
    """calc's result as an answer says it: inexact ones as 'about' and 2 decimals."""
    return f"about {float(shown.split('≈')[-1]):.2f}" if "≈" in shown else shown


def _expressions(expression: str) -> list[str]:
    """`expression` and, for `a * b`, `b * a`."""
    match = re.fullmatch(r"(\S+) \* (\S+)", expression)
    return [expression, f"{match[2]} * {match[1]}"] if match else [expression]


def _with_doc(ctx: Ctx, doc: Doc, others: int = 2) -> list[dict]:
    """Setup adding `others` shared documents and `doc` (once)."""
    docs, seeded = docs_setup(ctx, others)
    return seeded if doc in docs else [*seeded, setup("knowledge__add", title=doc.title, text=doc.text)]


def _search(doc: Doc) -> dict:
    return call("knowledge__search", query=any_of(doc.keywords, doc.title), k=optional(5))


def doc_then_compute(ctx: Ctx) -> Draft:
    title, what, expression = ctx.choice(
        [c for c in COMPUTATIONS if in_split([d.title for d in DOCS].index(c[0]), ctx.split)]
    )
    doc = next(d for d in DOCS if d.title == title)
    shown = evaluated(expression)
    ctx.slots = {"doc": title.lower(), "what": what}
    calls = [_search(doc), call("calc__evaluate", expression=any_of(*_expressions(expression)))]
    answer = f"'{title}' says {doc.fact}, so {what} comes to {_said(shown)}."
    return _draft(["knowledge", "calc"], calls, answer, [_shows(shown)], setup=_with_doc(ctx, doc))


def search_then_read(ctx: Ctx) -> Draft:
    docs, seeded = docs_setup(ctx, 3)
    index = ctx.rng.randrange(3)
    doc = docs[index]
    ctx.slots = {"topic": doc.keywords, "question": doc.question}
    calls = [_search(doc), call("knowledge__read", doc_id=f"doc-{index + 1}")]
    answer = f"According to '{doc.title}' (doc-{index + 1}): {doc.text}"
    checks = [_fact(doc), called("knowledge__read", {"doc_id": f"doc-{index + 1}"})]
    return _draft(["knowledge"], calls, answer, checks, setup=seeded)


def doc_to_file(ctx: Ctx) -> Draft:
    doc, path = ctx.pick(DOCS), ctx.pick(NOTE_FILES)
    ctx.slots = {"question": doc.question, "path": path}
    calls = [_search(doc), call("files__write_file", path=path, content=any_of(doc.fact, doc.text))]
    checks = [state("files__read_file", {"path": path}, has=_key(doc))]
    answer = f"The knowledge base says {doc.fact}; I saved that to {path}."
    return _draft(["knowledge", "files"], calls, answer, checks, setup=_with_doc(ctx, doc))


def deadline_task(ctx: Ctx) -> Draft:
    doc, title = ctx.pick(DEADLINES)
    due = (ctx.now.date() + timedelta(days=int(doc.number))).isoformat()
    ctx.slots = {"question": doc.question, "title": title}
    calls = [_search(doc), call("tasks__add_task", title=title, due=due)]
    checks = [state("tasks__list_tasks", has=f"| due {due}"), state("tasks__list_tasks", has=title)]
    answer = f"The policy says {doc.fact}, so I added '{title}' due {due}."
    return _draft(["knowledge", "tasks"], calls, answer, checks, setup=_with_doc(ctx, doc, 1))


def query_then_task(ctx: Ctx) -> Draft:
    name, what, column, direction, todo, said = ctx.pick(SUPERLATIVES)
    table = _table(name)
    key = table.columns[0].split()[0]
    values = _column(table, column)
    best = table.rows[values.index(min(values) if direction == "ASC" else max(values))][0]
    title = todo.format(name=best)
    ctx.slots = {"what": what, "table": name, "todo": said}
    orders = (f"{column} {direction}", column) if direction == "ASC" else (f"{column} {direction}",)
    sql = any_of(
        *(f"SELECT {cols} FROM {name} ORDER BY {o} LIMIT 1" for o in orders for cols in (key, "*", f"{key}, {column}"))
    )
    calls = [call("sql__query", sql=sql), call("tasks__add_task", title=title)]
    checks = [state("tasks__list_tasks", has=str(best)), contains(best)]
    answer = f"{what[0].upper()}{what[1:]} is {best}; I added the task '{title}'."
    return _draft(["sql", "tasks"], calls, answer, checks, setup=[setup("sql__execute", sql=table.ddl())])


def lookup_then_compute(ctx: Ctx) -> Draft:
    name, key_column, key, what, template = ctx.pick(LOOKUPS)
    table = _table(name)
    columns = re.findall(r"\{(\w+)\}", template)
    row = table.rows[_column(table, key_column).index(key)]
    values = {c: row[[x.split()[0] for x in table.columns].index(c)] for c in columns}
    spelled = [template.format(**{c: show(v) for c, v in values.items()}) for show in (_num, "{:g}".format)]
    expressions = [e for s in dict.fromkeys(spelled) for e in _expressions(s)]
    literal = f"'{key}'" if isinstance(key, str) else str(key)
    cols = ", ".join(columns)
    sql = any_of(*(f"SELECT {c} FROM {name} WHERE {key_column} = {literal}" for c in (cols, "*")))
    shown = evaluated(expressions[0])
    ctx.slots = {"what": what, "table": name}
    calls = [call("sql__query", sql=sql), call("calc__evaluate", expression=any_of(*expressions))]
    given = ", ".join(f"{c} = {_num(v)}" for c, v in values.items())
    answer = f"The {name} table gives {given}, so {what} comes to {_said(shown)}."
    return _draft(["sql", "calc"], calls, answer, [_shows(shown)], setup=[setup("sql__execute", sql=table.ddl())])


def _aggregate(ctx: Ctx) -> tuple[Table, str, float, tuple, tuple, list[dict]]:
    """An aggregate from AGGREGATES: its table, description, value, units, and the query + convert calls."""
    name, aggregate, sources, targets, what = ctx.pick(AGGREGATES)
    table = _table(name)
    function, column = re.fullmatch(r"(\w+)\((\w+)\)", aggregate).groups()
    values = _column(table, column)
    value = {"SUM": sum(values), "AVG": sum(values) / len(values), "MAX": max(values)}[function]
    alias = ("", " AS total", " AS result", f" AS {function.lower()}_{column}")
    calls = [
        call("sql__query", sql=any_of(*(f"SELECT {aggregate}{a} FROM {name}" for a in alias))),
        call("calc__convert_units", value=round(value, 9), from_unit=any_of(*sources), to_unit=any_of(*targets)),
    ]
    return table, what, value, sources, targets, calls


def sql_then_convert(ctx: Ctx) -> Draft:
    table, what, value, sources, targets, calls = _aggregate(ctx)
    shown, symbol = converted(round(value, 9), sources[0], targets[0])
    ctx.slots = {"what": what, "unit": targets[0]}
    answer = f"That is {round(value, 6):g} {sources[0]}, which is {shown} {symbol}."
    return _draft(["sql", "calc"], calls, answer, [_shows(shown)], setup=[setup("sql__execute", sql=table.ddl())])


def sql_convert_save(ctx: Ctx) -> Draft:
    table, what, value, sources, targets, calls = _aggregate(ctx)
    shown, symbol = converted(round(value, 9), sources[0], targets[0])
    path = ctx.pick(RESULT_FILES)
    ctx.slots = {"what": what, "unit": targets[0], "path": path}
    content = any_of(f"{shown} {symbol}", shown, f"{shown} {targets[0]}")
    calls = [*calls, call("files__write_file", path=path, content=content)]
    checks = [state("files__read_file", {"path": path}, has=_stable_key(shown))]
    answer = f"{round(value, 6):g} {sources[0]} is {shown} {symbol}; saved it to {path}."
    return _draft(["sql", "calc", "files"], calls, answer, checks, setup=[setup("sql__execute", sql=table.ddl())])


def file_then_convert(ctx: Ctx) -> Draft:
    path, template, values, sources, targets, what = ctx.pick(MEASURES)
    value = ctx.choice(values)
    shown, symbol = converted(value, sources[0], targets[0])
    _, seeded = files_setup(ctx, 1)
    ctx.slots = {"path": path, "what": what, "unit": targets[0]}
    calls = [
        call("files__read_file", path=path),
        call("calc__convert_units", value=value, from_unit=any_of(*sources), to_unit=any_of(*targets)),
    ]
    seeded = [*seeded, setup("files__write_file", path=path, content=template.format(v=value))]
    answer = f"{path} gives {value} {sources[0]}, which is {shown} {symbol}."
    return _draft(["files", "calc"], calls, answer, [_shows(shown)], setup=seeded)


def copy_file(ctx: Ctx) -> Draft:
    files, seeded = files_setup(ctx, 2)
    source = ctx.choice(files)
    dest = f"{ctx.pick(DESTINATIONS)}/{source.path.rsplit('/', 1)[-1]}"
    ctx.slots = {"src": source.path, "dst": dest}
    calls = [call("files__read_file", path=source.path), call("files__write_file", path=dest, content=source.content)]
    checks = [
        state("files__read_file", {"path": dest}, has=source.fact),
        state("files__read_file", {"path": source.path}, has=source.fact),
    ]
    return _draft(["files"], calls, f"Copied {source.path} to {dest}.", checks, setup=seeded)


def first_line_to_file(ctx: Ctx) -> Draft:
    files, seeded = files_setup(ctx, 2)
    source = ctx.choice(files)
    line = source.content.splitlines()[0]
    dest = ctx.pick(RESULT_FILES)
    ctx.slots = {"src": source.path, "dst": dest}
    calls = [call("files__read_file", path=source.path), call("files__write_file", path=dest, content=line)]
    checks = [state("files__read_file", {"path": dest}, has=line)]
    answer = f"The first line of {source.path} is '{line}'; saved it to {dest}."
    return _draft(["files"], calls, answer, checks, setup=seeded)


def find_then_read(ctx: Ctx) -> Draft:
    files, seeded = files_setup(ctx, 3)
    source = ctx.choice([f for f in files if any(f.fact not in line for line in f.content.splitlines())] or files)
    other = next((x for x in source.content.splitlines() if source.fact not in x and x.strip()), source.fact)
    ctx.slots = {"text": source.fact}
    calls = [call("files__search", pattern=source.fact, path=optional(".")), call("files__read_file", path=source.path)]
    answer = f"'{source.fact}' is in {source.path}, which says:\n{source.content}"
    return _draft(["files"], calls, answer, [contains(source.path), contains(other.strip())], setup=seeded)


def python_to_file(ctx: Ctx) -> Draft:
    a, b = ctx.rng.randrange(11, 99), ctx.rng.randrange(2, 6)
    expression = ctx.choice((f"{a} ** {b}", f"sum(range({a * 10}))", f"{a} * {a + b} * {b}"))
    value = eval(expression)  # noqa: S307 - our own arithmetic on our own integers
    path = ctx.pick(RESULT_FILES)
    ctx.slots = {"expr": expression, "path": path}
    calls = [
        call("sandbox__run_python", code=f"print({expression})", timeout_s=optional(10)),
        call("files__write_file", path=path, content=any_of(str(value), f"{value}\n")),
    ]
    checks = [state("files__read_file", {"path": path}, has=str(value)), called("sandbox__run_python")]
    return _draft(["sandbox", "files"], calls, f"{expression} = {value}; saved it to {path}.", checks)


def _by_title(ctx: Ctx) -> tuple[list[str], int, list[dict]]:
    """Three seeded to-dos, the 1-based id of the one the request names (by title), setup."""
    titles, seeded = todo_setup(ctx, 3)
    task_id = ctx.rng.randrange(1, 4)
    ctx.slots = {"title": titles[task_id - 1]}
    return titles, task_id, seeded


def _listed() -> dict:
    return call("tasks__list_tasks", status=optional("open"))


def finish_by_title(ctx: Ctx) -> Draft:
    titles, task_id, seeded = _by_title(ctx)
    title = titles[task_id - 1]
    calls = [_listed(), call("tasks__complete_task", task_id=task_id)]
    done = state("tasks__list_tasks", {"status": "done"}, has=title)
    checks = [done, called("tasks__complete_task", {"task_id": task_id})]
    return _draft(["tasks"], calls, f"Marked task {task_id} '{title}' as done.", checks, setup=seeded)


def delete_by_title(ctx: Ctx) -> Draft:
    titles, task_id, seeded = _by_title(ctx)
    keep = titles[task_id % 3]
    calls = [_listed(), call("tasks__delete_task", task_id=task_id)]
    kept = state("tasks__list_tasks", {"status": "all"}, has=keep)
    checks = [kept, called("tasks__delete_task", {"task_id": task_id})]
    answer = f"Deleted task {task_id} '{titles[task_id - 1]}'."
    return _draft(["tasks"], calls, answer, checks, setup=seeded)


def reschedule_by_title(ctx: Ctx) -> Draft:
    titles, task_id, seeded = _by_title(ctx)
    when, day = spoken_date(ctx)
    ctx.slots["when"] = when
    calls = [_listed(), call("tasks__update_task", task_id=task_id, due=day.isoformat())]
    checks = [state("tasks__list_tasks", has=f"id {task_id}: {titles[task_id - 1]} | due {day.isoformat()}")]
    answer = f"Moved task {task_id} '{titles[task_id - 1]}' to {day.isoformat()}."
    return _draft(["tasks"], calls, answer, checks, setup=seeded)


def prioritize_by_title(ctx: Ctx) -> Draft:
    titles, task_id, seeded = _by_title(ctx)
    priority = ctx.choice(("high", "low"))
    ctx.slots["priority"] = priority
    calls = [_listed(), call("tasks__update_task", task_id=task_id, priority=priority)]
    listed = f"id {task_id}: {titles[task_id - 1]} | no due date | priority {priority}"
    checks = [state("tasks__list_tasks", has=listed)]
    answer = f"Task {task_id} '{titles[task_id - 1]}' now has {priority} priority."
    return _draft(["tasks"], calls, answer, checks, setup=seeded)


def _doc_id(seeded: list[dict], doc: Doc) -> str:
    """The id the knowledge server gives `doc`: docs are numbered in the order setup adds them."""
    added = [c["arguments"]["title"] for c in seeded if c["tool"] == "knowledge__add"]
    return f"doc-{added.index(doc.title) + 1}"


def search_read_task(ctx: Ctx) -> Draft:
    """search -> read the match in full -> a to-do whose due date comes from the document."""
    doc, title = ctx.pick(DEADLINES)
    seeded = _with_doc(ctx, doc, 2)
    doc_id = _doc_id(seeded, doc)
    due = (ctx.now.date() + timedelta(days=int(doc.number))).isoformat()
    ctx.slots = {"topic": doc.keywords, "title": title}
    calls = [_search(doc), call("knowledge__read", doc_id=doc_id), call("tasks__add_task", title=title, due=due)]
    checks = [
        state("tasks__list_tasks", has=f"| due {due}"),
        state("tasks__list_tasks", has=title),
        called("knowledge__read", {"doc_id": doc_id}),
    ]
    answer = f"'{doc.title}' says {doc.fact}, so I added '{title}' due {due}."
    return _draft(["knowledge", "tasks"], calls, answer, checks, setup=seeded)


def search_read_save(ctx: Ctx) -> Draft:
    """files search -> read the file it names -> write its text to a new file."""
    files, seeded = files_setup(ctx, 3)
    source = ctx.choice(files)
    dest = ctx.pick(RESULT_FILES)
    ctx.slots = {"text": source.fact, "dst": dest}
    calls = [
        call("files__search", pattern=source.fact, path=optional(".")),
        call("files__read_file", path=source.path),
        call("files__write_file", path=dest, content=source.content),
    ]
    checks = [state("files__read_file", {"path": dest}, has=source.fact), called("files__read_file")]
    answer = f"'{source.fact}' is in {source.path}; I copied its text to {dest}."
    return _draft(["files"], calls, answer, checks, setup=seeded)


INTENTS = (
    Intent(
        "knowledge_calc.compute",
        (
            "Look up the {doc} document in the knowledge base and work out {what}.",
            "Check our docs on {doc}, then calculate {what}.",
            "Search the knowledge base for {doc} and tell me {what}.",
            "I need to know {what}. The figure is in our {doc} doc.",
            "Using the number in the {doc} document, compute {what}.",
            "Find the {doc} page in our knowledge base; based on it, what's {what}?",
            "Could you figure out {what}? Get the number from the {doc} document first.",
        ),
        doc_then_compute,
        train_only=(
            "Our {doc} document has the number you need. Use it to calculate {what}.",
            "What's {what}? Search the knowledge base for the {doc} doc to get the figure, then do the math.",
            "Pull the relevant number from the {doc} page in the knowledge base and calculate {what} with it.",
            "Calculate {what} for me, based on what the {doc} document in our knowledge base says.",
            "I'm trying to figure out {what} -- can you find the {doc} doc in our knowledge base and run the numbers?",
            "Read up on {doc} in the knowledge base, then give me {what}.",
            "Based on our internal {doc} documentation, how much is {what}?",
            "Go to the knowledge base, see what the {doc} document says, and from that work out {what}.",
        ),
    ),
    Intent(
        "knowledge.search_read",
        (
            "Find the document about {topic}, open it and tell me {question}.",
            "Search our knowledge base for {topic}, then read the matching doc: I want to know {question}.",
            "Search for {topic}, open the document you find and tell me {question}.",
            "Pull up the doc on {topic} and read it in full -- I want to know {question}.",
            "Locate the {topic} document, read the whole thing, and answer: {question}?",
            "Which document covers {topic}? Open it and tell me {question}.",
        ),
        search_then_read,
        train_only=(
            "There's a doc somewhere about {topic}. Find it, read the full text, and let me know {question}.",
            "Run a search for {topic} in the knowledge base, read the top document, and report {question}.",
            "Can you dig up our {topic} document and read through it? I'm after {question}.",
            "Topic: {topic}. Search for the matching document, read it from start to finish, and tell me {question}.",
            "Before I reply to a colleague I need {question} -- search for the {topic} doc and read it through.",
            "Could we check the {topic} document? Search for it, read it, and find out {question}.",
            "Knowledge base question: {question}. Look for the {topic} doc and read it before answering.",
            "Search the docs for {topic}; once you have the right one, read its contents and tell me {question}.",
        ),
    ),
    Intent(
        "knowledge_files.save_fact",
        (
            "Look up {question} in the knowledge base and write it into {path}.",
            "Search our docs for {question}, then save the answer in a file at {path}.",
            "Please put {question} in {path}; you'll find it in the knowledge base.",
            "Find {question} in our documents and store it in the file {path}.",
            "Save {question} to {path} -- check the knowledge base for it first.",
        ),
        doc_to_file,
        train_only=(
            "I'd like a file at {path} that records {question}. The knowledge base has it.",
            "{path} should contain {question} -- look it up in our docs first.",
            "Could you check the knowledge base for {question} and jot the answer down in {path}?",
            "What does the knowledge base say about {question}? Write that into {path}.",
            "Dig up {question} from our internal docs and record it in {path}.",
            "I keep forgetting {question}. Search the knowledge base and save it to {path} so I have it handy.",
            "Create {path} with {question} in it, taken from the knowledge base.",
            "Make a note in {path} of {question}; our knowledge base will have the answer.",
        ),
    ),
    Intent(
        "knowledge_tasks.deadline",
        (
            "Check the knowledge base for {question}, then add the to-do '{title}' due that many days from today.",
            "Search our docs for {question} and create a task '{title}' with its due date that many days out.",
            "Add '{title}' to my to-dos. For the due date, look up {question} in the knowledge base"
            " and count that many days from today.",
            "Look up {question} in the documents; then put '{title}' on my list, due that many days from now.",
            "Find out {question} from the knowledge base and make a to-do '{title}' due after that many days.",
        ),
        deadline_task,
        train_only=(
            "Search the knowledge base for {question}, and use that number of days from today as the due date for a new"
            " task '{title}'.",
            "Create the to-do '{title}'. For its due date, find {question} in our docs and count that many days forward"
            " from today.",
            "'{title}' needs to go on my to-do list with a deadline: today plus the number of days our knowledge base"
            " gives for {question}.",
            "New to-do '{title}', due in N days, where N comes from the knowledge base: {question}.",
            "The knowledge base can tell you {question}. Use that to set the due date (that many days from today) on a"
            " new to-do, '{title}'.",
            "Busy month ahead. Put '{title}' on my task list; for the deadline, search our docs for {question} and"
            " count that many days on from today.",
            "Find {question} in the knowledge base. Whatever the number of days is, that's how far from today the new"
            " to-do '{title}' should be due.",
            "Our knowledge base covers {question}; search it, then add a task '{title}' that's due that number of days"
            " after today.",
        ),
    ),
    Intent(
        "sql_tasks.superlative_todo",
        (
            "Find {what} in the {table} table and add a to-do to {todo}.",
            "Query the {table} table for {what}, then create a task: {todo}.",
            "Which is {what} (see the {table} table)? Put a task on my list to {todo}.",
            "Look up {what} in the database table {table} and make a to-do to {todo}.",
            "Check {table} for {what}; once you know, add a task to {todo}.",
            "In the {table} table, which is {what}? Then add a to-do for me to {todo}.",
        ),
        query_then_task,
        train_only=(
            "Run a SQL query on {table} to get {what}, then add a task to {todo}.",
            "Figure out {what} from the {table} table, because I want a reminder task to {todo}.",
            "Database question first: what's {what} in {table}? Then create a to-do so I remember to {todo}.",
            "I'd like to {todo} -- that's {what}, which you can find in the {table} table. Add it as a task.",
            "Sort the {table} table to find {what}, and then make me a task to {todo}.",
            "Once you know {what} (it's in the {table} table), put a to-do on my list to {todo}.",
            "Could we query {table} for {what}? Afterwards, add a to-do to {todo}.",
            "Planning ahead: check {table}, find {what}, and add a task on my to-do list to {todo}.",
        ),
    ),
    Intent(
        "sql_calc.lookup_compute",
        (
            "Using the {table} table, work out {what}.",
            "Look up the numbers you need in the {table} table and calculate {what}.",
            "What's {what}? The data is in the {table} table.",
            "Query the {table} table, then compute {what}.",
            "Could you figure out {what} from the {table} table?",
            "Get the value from {table} and tell me {what}.",
        ),
        lookup_then_compute,
        train_only=(
            "I need {what}; pull the relevant row from the {table} table and do the math.",
            "Calculate {what}. You'll find the numbers in {table}.",
            "How much is {what}? Get the figures from the {table} table first.",
            "Look up the right row in {table}, then use the calculator to work out {what}.",
            "Work out {what} for me -- the inputs are in the database, table {table}.",
            "Need a number: {what}, based on the {table} table.",
            "Using data from our database ({table} table), what does {what} come to?",
            "Find the values in {table} and run the calculation for {what}.",
        ),
    ),
    Intent(
        "sql_calc.aggregate_convert",
        (
            "What is {what}, in {unit}?",
            "Work out {what} and convert it to {unit}.",
            "Give me {what}, expressed in {unit}.",
            "Query {what}, then tell me how many {unit} that is.",
            "I'd like {what} converted into {unit}.",
        ),
        sql_then_convert,
        train_only=(
            "Convert {what} into {unit} for me.",
            "How many {unit} is {what}?",
            "Get {what} from the database and express it in {unit}.",
            "Show me {what}, but in {unit} rather than the original unit.",
            "Pull {what} out of the database and give it to me in {unit}.",
            "Could we get {what} in {unit}? Look it up first, then convert.",
            "Calculate {what} from the table, and tell me the figure in {unit}.",
            "My report needs {what} in {unit}; look it up and convert it.",
        ),
    ),
    Intent(
        "sql_calc_files.aggregate_convert_save",
        (
            "Work out {what}, convert it to {unit} and save the result in {path}.",
            "Query {what}, express it in {unit}, and write that number to {path}.",
            "Put {what} in {unit} into the file {path}.",
            "Save {what}, converted to {unit}, as {path}.",
            "Compute {what} in {unit} and store it at {path}.",
        ),
        sql_convert_save,
        train_only=(
            "Query the database for {what}, turn it into {unit}, and record the number in {path}.",
            "I need a file {path} holding {what} in {unit}.",
            "Get {what} from the database, convert to {unit}, then write the result into {path}.",
            "{path} should contain {what} expressed in {unit}.",
            "For the report: look up {what}, convert the value to {unit}, and save it to the file {path}.",
            "Can you figure out how many {unit} {what} comes to and put that figure in {path}?",
            "Three steps: query {what}, convert it into {unit}, write it to {path}.",
            "Record {what} in {path}, but convert it to {unit} first.",
        ),
    ),
    Intent(
        "files_calc.convert_value",
        (
            "Read {path} and convert {what} to {unit}.",
            "What's {what} from {path} in {unit}?",
            "Check {path} and give me {what} in {unit}.",
            "Open {path}, then tell me {what} in {unit}.",
            "{path} has {what} in it; convert it into {unit}.",
            "How much is {what} in {unit}? It's written in {path}.",
        ),
        file_then_convert,
        train_only=(
            "There's a number in {path} -- {what}. What is it in {unit}?",
            "I wrote down {what} in {path}. How much is that in {unit}?",
            "Convert {what} to {unit}; the original value is in the file {path}.",
            "Take {what} from {path} and express it in {unit}.",
            "Could you grab {what} from the file {path} and turn it into {unit}?",
            "Read the file {path}, find {what}, and run it through a unit conversion to {unit}.",
            "My notes in {path} have {what} in the original units; I'd like it in {unit}.",
            "After reading {path}, convert {what} to {unit} and tell me the answer.",
        ),
    ),
    Intent(
        "files.copy",
        (
            "Copy {src} to {dst}.",
            "Make a copy of {src} at {dst}.",
            "Duplicate the file {src} as {dst}.",
            "Read {src} and save the same content to {dst}.",
            "Back up {src} into {dst}, same contents.",
        ),
        copy_file,
        train_only=(
            "I want an identical copy of {src} saved at {dst}.",
            "Mirror the contents of {src} into {dst}.",
            "Can you copy the file {src} over to {dst}?",
            "{src} needs a duplicate at {dst}.",
            "Save a second copy of {src} under the name {dst}.",
            "Create {dst} with exactly the contents of {src}.",
            "Before I edit {src}, copy it to {dst} as a backup.",
            "Copy the contents of {src} into a new file, {dst}.",
        ),
    ),
    Intent(
        "files.first_line",
        (
            "Read {src} and save its first line to {dst}.",
            "Take the first line of {src} and write it into {dst}.",
            "Put the opening line of {src} in a new file {dst}.",
            "Save just the first line of {src} as {dst}.",
            "Copy only line 1 of {src} into {dst}.",
        ),
        first_line_to_file,
        train_only=(
            "Grab line one of {src} and put it in {dst}.",
            "I only need the top line of {src}; write it out to {dst}.",
            "Open {src}, take its first line, and store it in {dst}.",
            "Create {dst} containing nothing but the first line of {src}.",
            "What's the first line of {src}? Save it in {dst}.",
            "{dst} should hold the first line of {src}.",
            "Extract line 1 from {src} into {dst}.",
            "Read {src}, and write whatever is on its line 1 to {dst}.",
        ),
    ),
    Intent(
        "files.find_then_read",
        (
            "Find the file that mentions '{text}' and show me the whole thing.",
            "Which file has '{text}' in it? Read me that file.",
            "Search my files for {text} and open the file it's in.",
            "Somewhere I wrote '{text}' -- find that file and show its contents.",
            "Look for '{text}' in my files, then print the full file.",
        ),
        find_then_read,
        train_only=(
            "I can't remember which file says '{text}'. Search for it and read the file out to me.",
            "Show me the full contents of whichever file contains '{text}'.",
            "Grep my files for '{text}', then open the match and show me everything in it.",
            "Where did I put '{text}'? Find the file and display all of it.",
            "There's a file with the phrase '{text}' -- search for it and print its whole content.",
            "Could you search for '{text}' across my files and then show me the entire file it appears in?",
            "I need the file that includes '{text}'. Find it and give me its full text.",
            "'{text}' -- which file is that in? Open it and show me all of it.",
        ),
    ),
    Intent(
        "sandbox_files.compute_and_save",
        (
            "Use Python to compute {expr} and save the result in {path}.",
            "Run {expr} in Python, then write the answer to {path}.",
            "Calculate {expr} with the Python sandbox and store the number in {path}.",
            "Evaluate {expr} in Python and put the output into {path}.",
            "Save the value of {expr} to {path} -- compute it with Python first.",
        ),
        python_to_file,
        train_only=(
            "Run some Python to get the value of {expr}, then save it to {path}.",
            "I need {expr} worked out in the Python sandbox, with the result written into {path}.",
            "Execute print({expr}) in Python and save what it prints to {path}.",
            "What is {expr}? Compute it in Python and record the answer in {path}.",
            "Write the result of {expr} to {path}; use the sandbox to run it in Python.",
            "Could you use the Python sandbox on {expr} and store the result at {path}?",
            "Python job: compute {expr}, then put the number in the file {path}.",
            "{path} should contain the value of {expr}, computed with Python.",
        ),
    ),
    Intent(
        "tasks.finish_by_title",
        (
            "I finished '{title}', mark it as done.",
            "Tick off the task '{title}' -- it's done.",
            "'{title}' is complete now, update my to-do list.",
            "Please complete the to-do called '{title}'.",
            "Done with '{title}'! Check it off.",
        ),
        finish_by_title,
        train_only=(
            "Mark '{title}' as finished on my task list.",
            "I've done '{title}', so close that task.",
            "Can you find '{title}' on my to-dos and set it to done?",
            "'{title}' -- finished. Mark it complete.",
            "Just wrapped up '{title}', so it can come off my open tasks as done.",
            "Look up the task '{title}' on my list and mark it completed.",
            "Finally got '{title}' done! Update the task to reflect that.",
            "Set the status of my to-do '{title}' to done.",
            # Everyday ways of checking a to-do off by its title, not its id.
            "Cross '{title}' off my to-dos, it's taken care of.",
            "You can mark '{title}' finished now.",
            "Got '{title}' sorted this morning. Close it on my list.",
            "'{title}' happened already -- check that one off.",
            "That '{title}' to-do is done; record it as complete.",
            "All done with '{title}'. Take it off my open tasks by completing it.",
        ),
    ),
    Intent(
        "tasks.delete_by_title",
        (
            "Remove '{title}' from my to-do list.",
            "Delete the task '{title}', I won't do it.",
            "I no longer need the to-do '{title}', delete it.",
            "Drop the to-do called '{title}'.",
            "Get '{title}' off my task list for good.",
        ),
        delete_by_title,
        train_only=(
            "Take '{title}' off my list completely.",
            "Find the task '{title}' and delete it.",
            "Can you erase the to-do '{title}'? It's not happening.",
            "'{title}' isn't relevant anymore -- remove that task.",
            "Scrap '{title}' from my tasks.",
            "I've decided against '{title}'. Delete it from my to-dos.",
            "Get rid of the '{title}' task.",
            "There's a task '{title}' on my list that I don't need. Delete it.",
        ),
    ),
    Intent(
        "tasks.reschedule_by_title",
        (
            "Move my task '{title}' so it's due {when}.",
            "Change the due date of '{title}' to {when}.",
            "The to-do '{title}' should be due {when} -- update it.",
            "Reschedule '{title}': make it due {when}.",
            "Set '{title}' on my list to be due {when}.",
        ),
        reschedule_by_title,
        train_only=(
            "'{title}' needs a new due date: {when}.",
            "Shift '{title}' so that it's due {when}.",
            "Could you change when '{title}' is due? It should be {when}.",
            "Find the to-do '{title}' and set its deadline so it's due {when}.",
            "I won't get to '{title}' as planned; it should now be due {when}.",
            "Update the deadline on '{title}' -- due {when}.",
            "Let's have '{title}' due {when} instead.",
            "I'd like my to-do '{title}' to be due {when}.",
        ),
    ),
    Intent(
        "tasks.prioritize_by_title",
        (
            "Make '{title}' {priority} priority.",
            "Change the priority of my task '{title}' to {priority}.",
            "Set the to-do '{title}' to {priority} priority, please.",
            "'{title}' should be {priority} priority -- update it.",
            "Mark '{title}' as {priority} priority on my list.",
        ),
        prioritize_by_title,
        train_only=(
            "Give the task '{title}' a {priority} priority.",
            "Can you set '{title}' on my to-do list to {priority} priority?",
            "Priority for '{title}': {priority}.",
            "I'd like '{title}' flagged as {priority} priority.",
            "Look up '{title}' in my tasks and switch it to {priority} priority.",
            "Make the to-do '{title}' a {priority}-priority item.",
            "Update '{title}' so its priority is {priority}.",
            "On my list, '{title}' needs {priority} priority.",
        ),
    ),
)

# Chains written after the held-out set was fixed (training draws them; see Family.added).
ADDED = (
    Intent(
        "knowledge_tasks.search_read_task",
        (
            "Find the doc about {topic}, read it, and add the to-do '{title}' with the deadline it gives.",
            "Search the knowledge base for {topic}, open the match, then create '{title}' due when that document says.",
            "There's a document on {topic}. Read it through and put '{title}' on my list, due by its deadline.",
            "Look up {topic} in our docs, read the full text, and make a task '{title}' due when it says.",
            "Dig out the {topic} document, check how many days it allows, and add '{title}' due that many days out.",
            "Read our {topic} doc first; then log '{title}' as a to-do with the due date it implies.",
            "Using the {topic} document's time limit, schedule the task '{title}' -- search for it and read it first.",
            "Open whatever the knowledge base has on {topic} and turn its deadline into a due date for '{title}'.",
        ),
        search_read_task,
    ),
    Intent(
        "files.search_read_save",
        (
            "Find the file that mentions '{text}', read it, and save a copy of its text to {dst}.",
            "Search my files for {text}, open the one that has it, and write its contents into {dst}.",
            "Somewhere I wrote '{text}'. Locate that file, read it, and put the same text in {dst}.",
            "Which file has '{text}'? Read it and duplicate its contents into {dst}.",
            "Track down the file containing {text}, then store everything it says in {dst}.",
            "Grep for '{text}', read the file it turns up, and save that file's text as {dst}.",
            "Copy the contents of whichever file mentions '{text}' into {dst}; search first, then read it.",
            "Look for '{text}' across my files and write the full text of the matching file to {dst}.",
        ),
        search_read_save,
    ),
)

FAMILY = Family(
    "multi_step",
    widen(INTENTS),
    "chained calls across servers, later calls using earlier results",
    added=widen(ADDED),
)
