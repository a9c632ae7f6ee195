"""Chains that start with a SQL query: a row or an aggregate, then a calculation, conversion, file or to-do.

Every expected value is computed here from the seeded tables (entities'
TABLES plus the extra ones below), so the reference plan and answer are exact.
The pools here are used by these chains only; pools of 4 or more items keep
every fourth for the test split. This module knows nothing of the knowledge,
files or to-do chains, nor of the order the family draws intents in.
"""

from __future__ import annotations

import re

from eval.families.base import Ctx, Draft, Intent
from eval.families.build import any_of, call, contains, setup, state
from eval.families.calcref import converted, evaluated, number_key
from eval.families.entities import TABLES, Cell, Table
from eval.families.multi_step.common import RESULT_FILES, as_said, draft, orderings, shows

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


def _table(name: str) -> Table:
    return next(t for t in (*TABLES, *EXTRA_TABLES) if t.name == name)


def _column(table: Table, name: str) -> list:
    index = [c.split()[0] for c in table.columns].index(name)
    return [row[index] for row in table.rows]


def _num(value: Cell) -> str:
    """A number as SQLite shows it (REALs keep their '.0')."""
    return repr(round(value, 9)) if isinstance(value, float) else str(value)


def _stable_key(shown: str) -> str:
    """number_key of `shown`, or its whole part when rounding to 1 or 2 decimals would change that key."""
    key = number_key(shown)
    rounded = (f"{float(shown):.{n}f}" for n in (1, 2))
    return key if all(r.startswith(key) for r in rounded) else shown.partition(".")[0]


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
    return draft(["sql", "tasks"], calls, answer, checks, setup=[setup("sql__execute", sql=table.ddl())])


def lookup_then_compute(ctx: Ctx) -> Draft:
    name, key_column, key, what, template = ctx.pick(LOOKUPS)
    table = _table(name)
    columns = re.findall(r"\{(\w+)\}", template)
    row = table.rows[_column(table, key_column).index(key)]
    values = {c: row[[x.split()[0] for x in table.columns].index(c)] for c in columns}
    spelled = [template.format(**{c: show(v) for c, v in values.items()}) for show in (_num, "{:g}".format)]
    expressions = [e for s in dict.fromkeys(spelled) for e in orderings(s)]
    literal = f"'{key}'" if isinstance(key, str) else str(key)
    cols = ", ".join(columns)
    sql = any_of(*(f"SELECT {c} FROM {name} WHERE {key_column} = {literal}" for c in (cols, "*")))
    shown = evaluated(expressions[0])
    ctx.slots = {"what": what, "table": name}
    calls = [call("sql__query", sql=sql), call("calc__evaluate", expression=any_of(*expressions))]
    given = ", ".join(f"{c} = {_num(v)}" for c, v in values.items())
    answer = f"The {name} table gives {given}, so {what} comes to {as_said(shown)}."
    return draft(["sql", "calc"], calls, answer, [shows(shown)], setup=[setup("sql__execute", sql=table.ddl())])


def _aggregate(ctx: Ctx) -> tuple[Table, str, float, tuple, tuple, list[dict]]:
    """An aggregate from AGGREGATES: its table, description, value, units, and the query + convert calls."""
    name, aggregate, sources, targets, what = ctx.pick(AGGREGATES)
    table = _table(name)
    match = re.fullmatch(r"(\w+)\((\w+)\)", aggregate)
    assert match is not None, f"AGGREGATES: {aggregate!r} is not FUNCTION(column)"
    function, column = match.groups()
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
    return draft(["sql", "calc"], calls, answer, [shows(shown)], setup=[setup("sql__execute", sql=table.ddl())])


def sql_convert_save(ctx: Ctx) -> Draft:
    table, what, value, sources, targets, calls = _aggregate(ctx)
    shown, symbol = converted(round(value, 9), sources[0], targets[0])
    path = ctx.pick(RESULT_FILES)
    ctx.slots = {"what": what, "unit": targets[0], "path": path}
    content = any_of(f"{shown} {symbol}", shown, f"{shown} {targets[0]}")
    calls = [*calls, call("files__write_file", path=path, content=content)]
    checks = [state("files__read_file", {"path": path}, has=_stable_key(shown))]
    answer = f"{round(value, 6):g} {sources[0]} is {shown} {symbol}; saved it to {path}."
    return draft(["sql", "calc", "files"], calls, answer, checks, setup=[setup("sql__execute", sql=table.ddl())])


# Intents in the order they held when the held-out set was fixed, phrasings too: the test split is every
# fourth phrasing by index, so this order is a contract (see the package docstring).
INTENTS = (
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
)
