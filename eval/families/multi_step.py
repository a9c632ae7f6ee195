"""`multi_step`: two or three chained calls, often across servers, a later one using an earlier result.

Fresh state per episode makes every id and value predictable at generation
time (documents are doc-1.., to-dos 1..), so the reference plan is exact even
where a later call depends on an earlier result.
"""

from __future__ import annotations

from eval.families.base import Ctx, Draft, Family, Intent
from eval.families.build import any_of, call, contains, optional, setup, state
from eval.families.calcref import converted, evaluated, number_key
from eval.families.entities import DOCS, TABLES
from eval.families.single_tool import docs_setup, files_setup, todo_setup

CATEGORY = "multi_step"
NUMERIC_DOCS = tuple(d for d in DOCS if d.number is not None)
FACTORS = (2, 3, 4, 5, 8, 12, 52)
# (table, what to find, ORDER BY clause, to-do title template)
SUPERLATIVES = (
    ("products", "the product with the lowest stock", "stock ASC", "reorder {name}"),
    ("products", "the most expensive product", "price DESC", "review the price of {name}"),
    ("employees", "the best-paid employee", "salary DESC", "schedule a salary review with {name}"),
    ("employees", "the employee with the lowest salary", "salary ASC", "check in with {name}"),
    ("books", "the oldest book", "year ASC", "re-read {name}"),
    ("cities", "the biggest city", "population DESC", "plan a trip to {name}"),
    ("cities", "the smallest city", "population ASC", "research {name}"),
    ("plants", "the plant that needs water most often", "water_every_days ASC", "water the {name}"),
)
RUN_DAYS = (
    "2026-10-02",
    "2026-10-05",
    "2026-10-09",
    "2026-10-12",
    "2026-10-16",
    "2026-10-19",
    "2026-10-23",
    "2026-10-26",
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


def _draft(servers: list[str], calls: list[dict], answer: str, checks: list[dict], **extra) -> Draft:
    return Draft(CATEGORY, sorted(servers), calls, answer, checks, **extra)


def _table(name: str):
    return next(t for t in TABLES if t.name == name)


def doc_then_compute(ctx: Ctx) -> Draft:
    docs, seeded = docs_setup(ctx, 2)
    doc = ctx.pick(NUMERIC_DOCS)
    if doc not in docs:
        docs, seeded = [*docs, doc], [*seeded, setup("knowledge__add", title=doc.title, text=doc.text)]
    factor, number = ctx.choice(FACTORS), int(doc.number)
    shown = evaluated(f"{number} * {factor}")
    ctx.slots = {"topic": doc.keywords, "question": doc.question, "factor": factor}
    calls = [
        call("knowledge__search", query=any_of(doc.keywords, doc.title), k=optional(5)),
        call("calc__evaluate", expression=any_of(f"{number} * {factor}", f"{factor} * {number}")),
    ]
    answer = f"The document '{doc.title}' says {doc.fact}; times {factor} that is {shown}."
    return _draft(["knowledge", "calc"], calls, answer, [contains(shown)], setup=seeded)


def search_then_read(ctx: Ctx) -> Draft:
    docs, seeded = docs_setup(ctx, 3)
    index = ctx.rng.randrange(3)
    doc = docs[index]
    ctx.slots = {"topic": doc.keywords, "question": doc.question}
    calls = [
        call("knowledge__search", query=any_of(doc.keywords, doc.title), k=optional(5)),
        call("knowledge__read", doc_id=f"doc-{index + 1}"),
    ]
    answer = f"According to '{doc.title}' (doc-{index + 1}): {doc.text}"
    return _draft(["knowledge"], calls, answer, [contains(doc.fact)], setup=seeded)


def query_then_task(ctx: Ctx) -> Draft:
    table_name, what, order, title = ctx.pick(SUPERLATIVES)
    table = _table(table_name)
    key = table.columns[0].split()[0]
    column = order.split()[0]
    rows = sorted(table.rows, key=lambda r: r[[c.split()[0] for c in table.columns].index(column)])
    name = (rows[0] if order.endswith("ASC") else rows[-1])[0]
    todo = title.format(name=name)
    ctx.slots = {"what": what, "table": table.name, "todo": title.format(name="it")}
    sql = any_of(
        *(f"SELECT {cols} FROM {table.name} ORDER BY {order} LIMIT 1" for cols in (key, "*", f"{key}, {column}"))
    )
    calls = [call("sql__query", sql=sql), call("tasks__add_task", title=todo)]
    checks = [state("tasks__list_tasks", has=str(name)), contains(name)]
    answer = f"{what[0].upper()}{what[1:]} is {name}; I added the task '{todo}'."
    return _draft(["sql", "tasks"], calls, answer, checks, setup=[setup("sql__execute", sql=table.ddl())])


def copy_file(ctx: Ctx) -> Draft:
    files, seeded = files_setup(ctx, 2)
    source = ctx.choice(files)
    dest = f"{ctx.pick(DESTINATIONS)}/{source.path.rsplit('/', 1)[-1]}"
    ctx.slots = {"src": source.path, "dst": dest}
    calls = [call("files__read_file", path=source.path), call("files__write_file", path=dest, content=source.content)]
    checks = [
        state("files__read_file", {"path": dest}, has=source.fact),
        state("files__list_dir", has=source.path.split("/")[0]),
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
    return _draft(
        ["files"], calls, f"The first line of {source.path} is '{line}'; saved it to {dest}.", checks, setup=seeded
    )


def finish_by_title(ctx: Ctx) -> Draft:
    titles, seeded = todo_setup(ctx, 3)
    index = ctx.rng.randrange(3)
    ctx.slots = {"title": titles[index]}
    calls = [call("tasks__list_tasks", status=optional("open")), call("tasks__complete_task", task_id=index + 1)]
    checks = [state("tasks__list_tasks", {"status": "done"}, has=titles[index]), contains(titles[index])]
    answer = f"Marked task {index + 1} '{titles[index]}' as done."
    return _draft(["tasks"], calls, answer, checks, setup=seeded)


def delete_by_title(ctx: Ctx) -> Draft:
    titles, seeded = todo_setup(ctx, 3)
    index = ctx.rng.randrange(3)
    keep = titles[(index + 1) % 3]
    ctx.slots = {"title": titles[index]}
    calls = [call("tasks__list_tasks", status=optional("open")), call("tasks__delete_task", task_id=index + 1)]
    checks = [state("tasks__list_tasks", {"status": "all"}, has=keep), contains(titles[index])]
    return _draft(["tasks"], calls, f"Deleted task {index + 1} '{titles[index]}'.", checks, setup=seeded)


def run_log_to_miles(ctx: Ctx) -> Draft:
    day, km = ctx.pick(RUN_DAYS), ctx.choice((5, 6.5, 8, 10, 12.5, 15, 21.1))
    path = f"journal/{day}.txt"
    target = ctx.choice(("miles", "mi"))
    shown, _ = converted(km, "km", "mi")
    ctx.slots = {"path": path, "unit": target}
    seeded = [setup("files__write_file", path=path, content=f"Ran {km} km along the river. Legs tired.\n")]
    calls = [
        call("files__read_file", path=path),
        call("calc__convert_units", value=km, from_unit=any_of("km", "kilometers"), to_unit=any_of("mi", "miles")),
    ]
    answer = f"You ran {km} km, which is {shown} miles."
    return _draft(["files", "calc"], calls, answer, [contains(number_key(shown))], setup=seeded)


def sql_total_converted(ctx: Ctx) -> Draft:
    table = _table("runs")
    total = round(sum(row[1] for row in table.rows), 6)
    shown, _ = converted(total, "km", "mi")
    ctx.slots = {}
    sql = any_of(
        "SELECT SUM(km) FROM runs", "SELECT SUM(km) AS total FROM runs", "SELECT SUM(km) AS total_km FROM runs"
    )
    calls = [
        call("sql__query", sql=sql),
        call("calc__convert_units", value=total, from_unit=any_of("km", "kilometers"), to_unit=any_of("mi", "miles")),
    ]
    answer = f"The runs add up to {total:g} km, which is {shown} miles."
    return _draft(
        ["sql", "calc"], calls, answer, [contains(number_key(shown))], setup=[setup("sql__execute", sql=table.ddl())]
    )


def python_to_file(ctx: Ctx) -> Draft:
    a, b = ctx.rng.randrange(11, 99), ctx.rng.randrange(2, 6)
    expression = ctx.choice((f"{a} ** {b}", f"sum(range({a * 10}))", f"{a} * {a + b} * {b}"))
    value = eval(expression)  # noqa: S307 - our own arithmetic on our own integers
    path = ctx.pick(RESULT_FILES)
    ctx.slots = {"expr": expression, "path": path}
    calls = [
        call("sandbox__run_python", code=f"print({expression})", timeout_s=optional(10)),
        call("files__write_file", path=path, content=str(value)),
    ]
    checks = [state("files__read_file", {"path": path}, has=str(value)), contains(value)]
    return _draft(["sandbox", "files"], calls, f"{expression} = {value}; saved it to {path}.", checks)


def find_then_read(ctx: Ctx) -> Draft:
    files, seeded = files_setup(ctx, 3)
    candidates = [f for f in files if any(f.fact not in line for line in f.content.splitlines())]
    source = ctx.choice(candidates or files)
    other = next(
        (line for line in source.content.splitlines() if source.fact not in line and line.strip()), source.fact
    )
    ctx.slots = {"text": source.fact}
    calls = [call("files__search", pattern=source.fact, path=optional(".")), call("files__read_file", path=source.path)]
    answer = f"'{source.fact}' is in {source.path}, which says:\n{source.content}"
    return _draft(["files"], calls, answer, [contains(source.path), contains(other.strip())], setup=seeded)


INTENTS = (
    Intent(
        "knowledge_calc.multiply",
        (
            "Look up {question} in the knowledge base and multiply that number by {factor}.",
            "Search the docs for {topic}, then tell me {factor} times the number it gives.",
            "What's {factor} times {question}? Check the knowledge base for the number.",
            "Find {topic} in our documents and calculate {factor}x the figure.",
            "I need {question} times {factor} -- the number is somewhere in the knowledge base.",
        ),
        doc_then_compute,
    ),
    Intent(
        "knowledge.search_read",
        (
            "Find the document about {topic} and tell me {question}.",
            "Can you check our knowledge base: {question}? Search for {topic} and read the doc.",
            "Search for {topic}, open the matching document and tell me {question}.",
            "What does our documentation say about {topic}? Specifically {question}.",
            "Pull up the doc on {topic} and read it -- I want to know {question}.",
        ),
        search_then_read,
    ),
    Intent(
        "sql_tasks.superlative_todo",
        (
            "Find {what} in the {table} table and add a to-do to {todo}.",
            "Query the {table} table for {what}, then create a task: {todo}.",
            "Which is {what} (see the {table} table)? Put a task on my list to {todo}.",
            "Look up {what} in the database table {table} and make a to-do to {todo}.",
            "Check {table} for {what}; once you know, add a task to {todo}.",
        ),
        query_then_task,
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
    ),
    Intent(
        "files.first_line",
        (
            "Read {src} and save its first line to {dst}.",
            "Take the first line of {src} and write it into {dst}.",
            "Put the opening line of {src} in a new file {dst}.",
            "Save just the first line of {src} as {dst}.",
        ),
        first_line_to_file,
    ),
    Intent(
        "tasks.finish_by_title",
        (
            "I finished '{title}', mark it as done.",
            "Tick off the task '{title}' -- it's done.",
            "'{title}' is complete now, update my to-do list.",
            "Please complete the to-do called {title}.",
            "Done with {title}! Check it off.",
        ),
        finish_by_title,
    ),
    Intent(
        "tasks.delete_by_title",
        (
            "Remove '{title}' from my to-do list.",
            "Delete the task '{title}', I won't do it.",
            "I no longer need to {title}, delete that task.",
            "Drop the to-do called {title}.",
        ),
        delete_by_title,
    ),
    Intent(
        "files_calc.run_in_miles",
        (
            "Read {path} and convert the distance I ran to {unit}.",
            "How far did I run in {unit}? It's logged in {path}.",
            "Check {path} for my run and tell me the distance in {unit}.",
            "My run is in {path}; convert it to {unit}.",
        ),
        run_log_to_miles,
    ),
    Intent(
        "sql_calc.total_miles",
        (
            "What's the total distance in the runs table, in miles?",
            "Add up all the km in the runs table and convert the total to miles.",
            "How many miles have I run in total according to the runs table?",
            "Sum the runs table's distances and give me miles.",
        ),
        sql_total_converted,
    ),
    Intent(
        "sandbox_files.compute_and_save",
        (
            "Use Python to compute {expr} and save the result in {path}.",
            "Run {expr} in Python, then write the answer to {path}.",
            "Calculate {expr} with the Python sandbox and store the number in {path}.",
            "Evaluate {expr} in Python and put the output into {path}.",
        ),
        python_to_file,
    ),
    Intent(
        "files.find_then_read",
        (
            "Find the file that mentions '{text}' and show me the whole thing.",
            "Which file has '{text}' in it? Read me that file.",
            "Search my files for {text} and open the file it's in.",
            "Somewhere I wrote '{text}' -- find that file and show its contents.",
        ),
        find_then_read,
    ),
)

FAMILY = Family("multi_step", INTENTS, "chained calls across servers, later calls using earlier results")
