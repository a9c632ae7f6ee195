"""`error_handling`: a call fails (missing file, bad SQL, unknown id or unit, code that raises).

The request makes the failing call the natural first move (the user names a
slightly wrong path, column or id); the reference plan then recovers (list,
describe, retry) or tells the user plainly. The error result stays in the
trace: recovering from it is what these tasks teach.
"""

from __future__ import annotations

import re

from eval.families.base import Ctx, Draft, Family, Intent
from eval.families.build import any_of, call, contains, not_called, optional, regex, setup, state
from eval.families.entities import FILES, TABLES, Cell
from eval.families.grammar import widen
from eval.families.single_tool import docs_setup, todo_setup

CATEGORY = "error_handling"
NOT_FOUND = r"(?i)\b(no|not|\w+n['’]t|cannot|unknown|missing|unsupported|(non-?)?exist\w*)\b"
WRONG_EXTENSION = {".txt": ".md", ".md": ".txt", ".ini": ".cfg"}
# (table, the name a person uses for a column, the real column)
WRONG_COLUMNS = (
    ("products", "cost", "price"),
    ("products", "quantity", "stock"),
    ("employees", "pay", "salary"),
    ("employees", "department", "team"),
    ("books", "writer", "author"),
    ("books", "published", "year"),
    ("orders", "client", "customer"),
    ("orders", "total", "amount"),
    ("cities", "inhabitants", "population"),
    ("invoices", "customer", "client"),
    ("invoices", "amount", "total"),
    ("plants", "location", "room"),
)
MISSING_TABLES = ("customers", "staff", "inventory", "sales", "users", "payments", "tickets", "suppliers")
# (code template, what went wrong, a regex any correct explanation matches)
FAILING_CODE = (
    (
        "print({n} / 0)",
        "ZeroDivisionError: division by zero. You cannot divide by zero.",
        r"(?i)(ZeroDivision|division by zero|divide by zero|divided by zero)",
    ),
    (
        "total = {n}\nprint(totl)",
        "NameError: name 'totl' is not defined. It looks like a typo for 'total'.",
        r"(?i)(NameError|not defined|typo|totl)",
    ),
    (
        "items = [1, 2, 3]\nprint(items[{n}])",
        "IndexError: list index out of range. The list only has 3 items.",
        r"(?i)(IndexError|out of range)",
    ),
    (
        "print(int('{n}a'))",
        "ValueError: invalid literal for int(). The text is not a whole number.",
        r"(?i)(ValueError|invalid literal)",
    ),
    (
        "prices = {{'tea': 3}}\nprint(prices['coffee{n}'])",
        "KeyError: the dictionary has no such key, only 'tea'.",
        r"(?i)(KeyError|key)",
    ),
)
UNKNOWN_UNITS = ("parsecs", "furlongs per fortnight", "smoots", "cubits", "light-years", "leagues", "spans", "chains")


def _draft(servers: list[str], calls: list[dict], answer: str, checks: list[dict], **extra) -> Draft:
    return Draft(CATEGORY, sorted(servers), calls, answer, checks, **extra)


def _table(name: str):
    return next(t for t in TABLES if t.name == name)


def _shows(value: Cell) -> dict:
    """A check that the answer shows `value` (numbers may carry thousands separators or trailing zeros)."""
    if isinstance(value, str):
        return contains(value)
    whole, _, frac = str(int(value) if float(value).is_integer() else value).partition(".")
    grouped = re.sub(r"\B(?=(\d{3})+$)", ",?", whole)
    return regex(rf"(?<![\d.]){grouped}" + (rf"\.{frac}" if frac else r"(?!,?\d)"))


def wrong_extension(ctx: Ctx) -> Draft:
    f = ctx.pick([f for f in FILES if "." + f.path.rsplit(".", 1)[-1] in WRONG_EXTENSION])
    stem, ext = f.path.rsplit(".", 1)
    wrong = f"{stem}{WRONG_EXTENSION['.' + ext]}"
    folder = f.path.rsplit("/", 1)[0]
    ctx.slots = {"path": wrong}
    calls = [
        call("files__read_file", path=wrong),
        call("files__list_dir", path=any_of(folder, folder + "/", "./" + folder)),
        call("files__read_file", path=f.path),
    ]
    answer = f"There is no {wrong}, but {f.path} exists; it says:\n{f.content}"
    checks = [contains(f.fact), not_called("files__write_file"), not_called("files__delete_file")]
    return _draft(["files"], calls, answer, checks, setup=[setup("files__write_file", path=f.path, content=f.content)])


def missing_doc(ctx: Ctx) -> Draft:
    _, seeded = docs_setup(ctx, 2)
    missing = f"doc-{ctx.rng.randrange(5, 40)}"
    ctx.slots = {"doc": missing}
    answer = f"There is no document {missing} in the knowledge base. Tell me its topic and I can search for it."
    calls = [call("knowledge__read", doc_id=missing)]
    checks = [regex(NOT_FOUND), not_called("knowledge__delete"), not_called("knowledge__add")]
    return _draft(["knowledge"], calls, answer, checks, setup=seeded)


def wrong_doc_id(ctx: Ctx) -> Draft:
    docs, seeded = docs_setup(ctx, 3)
    index = ctx.rng.randrange(3)
    doc, wrong = docs[index], f"doc-{ctx.rng.randrange(5, 40)}"
    ctx.slots = {"doc": wrong, "title": doc.title.lower(), "question": doc.question}
    calls = [
        call("knowledge__read", doc_id=wrong),
        call("knowledge__search", query=any_of(doc.title, doc.keywords), k=optional(5)),
        call("knowledge__read", doc_id=f"doc-{index + 1}"),
    ]
    answer = f"There is no {wrong}; the {doc.title} document is doc-{index + 1}. It says: {doc.text}"
    checks = [contains(doc.fact), not_called("knowledge__add"), not_called("knowledge__delete")]
    return _draft(["knowledge"], calls, answer, checks, setup=seeded)


def wrong_task_id(ctx: Ctx) -> Draft:
    titles, seeded = todo_setup(ctx, 3)
    index, wrong = ctx.rng.randrange(3), ctx.rng.randrange(4, 30)
    ctx.slots = {"id": wrong, "title": titles[index]}
    calls = [
        call("tasks__complete_task", task_id=wrong),
        call("tasks__list_tasks", status=optional("open")),
        call("tasks__complete_task", task_id=index + 1),
    ]
    answer = f"There is no task {wrong}; '{titles[index]}' is task {index + 1}, and it is now marked done."
    checks = [
        state("tasks__list_tasks", {"status": "done"}, has=titles[index]),
        state("tasks__list_tasks", {"status": "open"}, has=titles[index - 1]),
        not_called("tasks__delete_task"),
    ]
    return _draft(["tasks"], calls, answer, checks, setup=seeded)


def wrong_column(ctx: Ctx) -> Draft:
    table_name, wrong, right = ctx.pick(WRONG_COLUMNS)
    table = _table(table_name)
    key = table.columns[0].split()[0]
    index = [c.split()[0] for c in table.columns].index(right)
    ctx.slots = {"table": table.name, "column": wrong, "key": key}
    calls = [
        call("sql__query", sql=f"SELECT {key}, {wrong} FROM {table.name}"),
        call("sql__describe_table", table=table.name),
        call(
            "sql__query",
            sql=any_of(f"SELECT {key}, {right} FROM {table.name}", f"SELECT {right}, {key} FROM {table.name}"),
        ),
    ]
    pairs = [(row[0], row[index]) for row in table.rows]
    answer = f"There is no '{wrong}' column; the right one is '{right}': " + "; ".join(f"{k}: {v}" for k, v in pairs)
    first, last = pairs[0], pairs[-1]
    checks = [_shows(first[0]), _shows(first[1]), _shows(last[1]), not_called("sql__execute")]
    return _draft(["sql"], calls, answer, checks, setup=[setup("sql__execute", sql=table.ddl())])


def missing_table(ctx: Ctx) -> Draft:
    table = ctx.pick(TABLES)
    missing = ctx.pick(MISSING_TABLES)
    ctx.slots = {"table": missing}
    calls = [call("sql__query", sql=any_of(f"SELECT COUNT(*) FROM {missing}", f"SELECT * FROM {missing}"))]
    answer = f"There is no {missing} table in the database; the only table is {table.name}."
    checks = [regex(NOT_FOUND), contains(table.name), not_called("sql__execute")]
    return _draft(["sql"], calls, answer, checks, setup=[setup("sql__execute", sql=table.ddl())])


def unknown_task(ctx: Ctx) -> Draft:
    titles, seeded = todo_setup(ctx, 2)
    task_id = ctx.rng.randrange(5, 30)
    ctx.slots = {"id": task_id}
    calls = [call("tasks__complete_task", task_id=task_id), call("tasks__list_tasks", status=optional("open"))]
    answer = (
        f"There is no task {task_id}. Your open tasks are 1: {titles[0]} and 2: {titles[1]}. Which one did you mean?"
    )
    checks = [regex(NOT_FOUND), contains(titles[0]), not_called("tasks__delete_task")]
    return _draft(["tasks"], calls, answer, checks, setup=seeded)


def failing_code(ctx: Ctx) -> Draft:
    template, explanation, explained = ctx.choice(FAILING_CODE)
    code = template.format(n=ctx.rng.randrange(3, 99)).replace("\n", "; ")
    ctx.slots = {"code": code}
    calls = [call("sandbox__run_python", code=code, timeout_s=optional(10))]
    return _draft(["sandbox"], calls, f"The code failed: {explanation}", [regex(explained)])


def unknown_unit(ctx: Ctx) -> Draft:
    unit = ctx.pick(UNKNOWN_UNITS)
    value = ctx.choice((3, 7, 12, 40))
    ctx.slots = {"value": value, "unit": unit}
    calls = [
        call("calc__convert_units", value=value, from_unit=unit, to_unit=any_of("m", "meters", "km", "kilometers"))
    ]
    answer = f"I can't convert {value} {unit}: the unit converter doesn't know {unit}."
    return _draft(["calc"], calls, answer, [regex(NOT_FOUND)])


INTENTS = (
    Intent(
        "files.wrong_extension",
        (
            "Read {path}.",
            "What's in {path}?",
            "Show me the file {path}.",
            "Open {path} and tell me what it says.",
            "Print {path} for me.",
        ),
        wrong_extension,
        train_only=(
            "Can I see the contents of {path}?",
            "I need to know what {path} contains.",
            "Pull up the file at {path}.",
            "Display the contents of {path}.",
            "{path} -- what's inside?",
            "I saved something in {path} a while ago. What was it?",
            "Get me the text of {path}.",
            "Could we take a look at {path}?",
        ),
    ),
    Intent(
        "knowledge.missing_doc",
        (
            "Read document {doc}.",
            "What does {doc} say?",
            "Open {doc} from the knowledge base.",
            "Show me {doc}.",
        ),
        missing_doc,
        train_only=(
            "I need the contents of document {doc}.",
            "Pull {doc} out of the knowledge base.",
            "Can you fetch {doc}?",
            "What's written in {doc}?",
            "Knowledge base: {doc} -- what's in it?",
            "Someone told me to check {doc} in the knowledge base. What does it contain?",
            "Get me the text of the {doc} document.",
            "I'd like to read {doc}.",
        ),
    ),
    Intent(
        "knowledge.wrong_id_topic",
        (
            "Open {doc}, the {title} document, and tell me {question}.",
            "Check {doc} (that's our {title} doc) -- I need to know {question}.",
            "Look in {doc} about {title} and find out {question}.",
            "What does {doc} say? It's the {title} one; tell me {question}.",
            "Read me {doc} on {title}: I want to know {question}.",
        ),
        wrong_doc_id,
        train_only=(
            "I need to know {question}. It should be in {doc}, the {title} document.",
            "Can you find out {question}? Look at {doc} ({title}).",
            "{doc} is our {title} doc -- read it and tell me {question}.",
            "Pull up {doc} about {title}; I'm trying to find out {question}.",
            "Quick lookup: {question}? The answer is in {doc}, which covers {title}.",
            "Using document {doc} on {title}, answer this: {question}?",
            "I'd like to know {question}, according to the {title} document ({doc}).",
            "Someone asked me {question}. Go through {doc}, the {title} page in the knowledge base, and let me know.",
        ),
    ),
    Intent(
        "sql.wrong_column",
        (
            "Show me the {column} column of the {table} table, with the {key} of each row.",
            "List each {key} and its {column} from {table}.",
            "Query {table} for {key} and {column}.",
            "What's the {column} for every {key} in {table}?",
            "Select {key}, {column} from the {table} table.",
        ),
        wrong_column,
        train_only=(
            "Fetch {key} and {column} from {table}, all rows.",
            "I need a list of {column} values by {key} from the {table} table.",
            "From {table}, pull {key} together with {column}.",
            "Could we see {column} next to {key} for all rows of {table}?",
            "{table}: {key} and {column} for all rows.",
            "Run a query on the {table} table that returns {key} and {column}.",
            "For a report I need each row's {key} and {column} from {table}.",
            "Give me {key} plus {column} for all entries in {table}.",
        ),
    ),
    Intent(
        "sql.missing_table",
        (
            "How many rows are in the {table} table?",
            "Count the records in {table}.",
            "Show me everything in the {table} table.",
            "Query the {table} table for me.",
        ),
        missing_table,
        train_only=(
            "What's the row count of {table}?",
            "List all the rows of the {table} table.",
            "I need to know how many entries the {table} table has.",
            "Dump the whole {table} table.",
            "{table} table -- how many records?",
            "Could we see all the data in {table}?",
            "Give me the number of rows in {table}.",
            "Before the meeting I want to see every row stored in the {table} table.",
        ),
    ),
    Intent(
        "tasks.unknown_id",
        (
            "Mark task {id} as done.",
            "Complete task number {id}.",
            "I finished task {id}, tick it off.",
            "Task {id} is done.",
        ),
        unknown_task,
        train_only=(
            "Tick off task {id}.",
            "Number {id} on my tasks can be marked complete now.",
            "I've wrapped up task {id}; mark it complete.",
            "Check off number {id} on my to-do list.",
            "Mark #{id} on my to-do list complete.",
            "I'd like task {id} marked as completed.",
            "Could we close task {id}?",
            "Finally got task {id} out of the way. Mark it finished.",
        ),
    ),
    Intent(
        "tasks.wrong_id_recover",
        (
            "Mark task {id} ('{title}') as done.",
            "I've done '{title}' -- it's task {id}, tick it off.",
            "Complete task #{id}, the one to {title}.",
            "Task {id} is finished ({title}). Check it off please.",
            "'{title}' is done, that's number {id} on my list.",
        ),
        wrong_task_id,
        train_only=(
            "Tick off task {id}, '{title}'.",
            "I finished '{title}' (task {id}); mark it complete.",
            "Can you mark '{title}' as done? I think it's number {id}.",
            "Set task {id} to done -- that's '{title}'.",
            "Close out '{title}' on my to-do list, task #{id}.",
            "'{title}', task {id}: done.",
            "I'd like task {id} ('{title}') checked off.",
            "Finally got '{title}' out of the way. It should be task {id}; mark it finished.",
        ),
    ),
    Intent(
        "sandbox.failing_code",
        (
            "Run this Python: {code}",
            "What does this code print? {code}",
            "Execute {code} and tell me the result.",
            "Can you run {code} in the sandbox?",
            "Try running this snippet: {code}",
        ),
        failing_code,
        train_only=(
            "Execute this Python snippet: {code}",
            "What happens when I run {code}?",
            "Here's some Python, run it and tell me the output: {code}",
            "I need the output of {code}",
            "Could we execute {code} and see what it prints?",
            "Python to run: {code}",
            "Is there anything wrong with this? Run it to check: {code}",
            "I'm getting weird results from this snippet, so execute it and show me what it does: {code}",
        ),
    ),
    Intent(
        "calc.unknown_unit",
        (
            "Convert {value} {unit} to meters.",
            "How many meters is {value} {unit}?",
            "What's {value} {unit} in km?",
            "Change {value} {unit} into meters please.",
        ),
        unknown_unit,
        train_only=(
            "How far is {value} {unit} in meters?",
            "Express {value} {unit} in kilometers.",
            "I need {value} {unit} converted to m.",
            "{value} {unit} is how many kilometers?",
            "What is {value} {unit} when converted to kilometers?",
            "Could we turn {value} {unit} into km?",
            "Give me {value} {unit} as a distance in meters.",
            "An old map says the trail is {value} {unit} long. What is that in kilometers?",
        ),
    ),
)

FAMILY = Family("error_handling", widen(INTENTS), "a call fails; correct it or tell the user")
