"""`single_tool`: one call to one bundled server answers the request.

Every bundled server is covered: knowledge, files, sandbox, sql, calc, tasks.
Setup calls seed the state a request refers to (documents, files, tables,
to-dos); ids are predictable because every episode starts from fresh state.
"""

from __future__ import annotations

from eval.families.base import Ctx, Draft, Family, Intent
from eval.families.build import any_of, call, called, contains, optional, setup, state
from eval.families.calcref import converted, evaluated, number_key
from eval.families.dates import relative_date
from eval.families.entities import CONVERSIONS, DOCS, FILES, TABLES, TODO_TITLES

CATEGORY = "single_tool"


def _draft(servers: list[str], calls: list[dict], answer: str, checks: list[dict], **extra) -> Draft:
    return Draft(CATEGORY, servers, calls, answer, checks, **extra)


def todo_setup(ctx: Ctx, k: int) -> tuple[list[str], list[dict]]:
    """`k` distinct to-dos added before the episode (ids 1..k)."""
    titles = ctx.sample(TODO_TITLES, k)
    return titles, [setup("tasks__add_task", title=t) for t in titles]


def add_task_due(ctx: Ctx) -> Draft:
    title = ctx.pick(TODO_TITLES)
    when, day = relative_date(ctx.rng, ctx.now.date())
    ctx.slots = {"title": title, "when": when}
    expected = call("tasks__add_task", title=title, due=day.isoformat())
    checks = [state("tasks__list_tasks", has=day.isoformat()), state("tasks__list_tasks", has=title), contains(title)]
    return _draft(["tasks"], [expected], f"Added '{title}', due {day.isoformat()}.", checks)


def add_task_priority(ctx: Ctx) -> Draft:
    title, priority = ctx.pick(TODO_TITLES), ctx.choice(("high", "low"))
    ctx.slots = {"title": title, "priority": priority}
    expected = call("tasks__add_task", title=title, priority=priority)
    checks = [state("tasks__list_tasks", has=f"{title} | no due date | priority {priority}"), contains(title)]
    return _draft(["tasks"], [expected], f"Added '{title}' with {priority} priority.", checks)


def list_tasks(ctx: Ctx) -> Draft:
    titles, seeded = todo_setup(ctx, ctx.rng.randrange(2, 4))
    expected = call("tasks__list_tasks", status=optional("open"))
    answer = "Your open tasks: " + "; ".join(titles) + "."
    return _draft(["tasks"], [expected], answer, [contains(t) for t in titles], setup=seeded)


def complete_task(ctx: Ctx) -> Draft:
    titles, seeded = todo_setup(ctx, 3)
    task_id = ctx.rng.randrange(1, 4)
    ctx.slots = {"id": task_id}
    done = titles[task_id - 1]
    checks = [
        state("tasks__list_tasks", {"status": "done"}, has=done),
        called("tasks__complete_task", {"task_id": task_id}),
    ]
    answer = f"Done: task {task_id} ('{done}') is marked complete."
    return _draft(["tasks"], [call("tasks__complete_task", task_id=task_id)], answer, checks, setup=seeded)


def delete_task(ctx: Ctx) -> Draft:
    titles, seeded = todo_setup(ctx, 3)
    task_id = ctx.rng.randrange(1, 4)
    ctx.slots = {"id": task_id}
    gone = titles[task_id - 1]
    checks = [
        state("tasks__list_tasks", {"status": "all"}, has=titles[task_id % 3]),
        called("tasks__delete_task", {"task_id": task_id}),
    ]
    answer = f"Deleted task {task_id} ('{gone}')."
    return _draft(["tasks"], [call("tasks__delete_task", task_id=task_id)], answer, checks, setup=seeded)


def docs_setup(ctx: Ctx, k: int) -> tuple[list, list[dict]]:
    """`k` documents added before the episode (doc-1..doc-k)."""
    docs = ctx.sample(DOCS, k)
    return docs, [setup("knowledge__add", title=d.title, text=d.text) for d in docs]


def search_docs(ctx: Ctx) -> Draft:
    docs, seeded = docs_setup(ctx, 3)
    doc = ctx.choice(docs)
    ctx.slots = {"topic": doc.keywords}
    expected = call("knowledge__search", query=any_of(doc.keywords, doc.title), k=optional(5))
    answer = f"The best match is doc-{docs.index(doc) + 1} '{doc.title}': {doc.text}"
    return _draft(["knowledge"], [expected], answer, [contains(doc.title)], setup=seeded)


def read_doc(ctx: Ctx) -> Draft:
    docs, seeded = docs_setup(ctx, 3)
    n = ctx.rng.randrange(1, 4)
    ctx.slots = {"doc": f"doc-{n}"}
    doc = docs[n - 1]
    answer = f"doc-{n} '{doc.title}' says: {doc.text}"
    return _draft(
        ["knowledge"], [call("knowledge__read", doc_id=f"doc-{n}")], answer, [contains(doc.fact)], setup=seeded
    )


def add_doc(ctx: Ctx) -> Draft:
    doc = ctx.pick(DOCS)
    ctx.slots = {"title": doc.title, "text": doc.text}
    expected = call("knowledge__add", title=doc.title, text=doc.text, tags=optional([]))
    checks = [state("knowledge__read", {"doc_id": "doc-1"}, has=doc.fact), called("knowledge__add")]
    return _draft(["knowledge"], [expected], f"Saved '{doc.title}' as doc-1.", checks)


def files_setup(ctx: Ctx, k: int) -> tuple[list, list[dict]]:
    files = ctx.sample(FILES, k)
    return files, [setup("files__write_file", path=f.path, content=f.content) for f in files]


def read_file(ctx: Ctx) -> Draft:
    files, seeded = files_setup(ctx, 2)
    f = ctx.choice(files)
    ctx.slots = {"path": f.path}
    answer = f"{f.path} contains:\n{f.content}"
    return _draft(["files"], [call("files__read_file", path=f.path)], answer, [contains(f.fact)], setup=seeded)


def write_file(ctx: Ctx) -> Draft:
    f = ctx.pick(FILES)
    line = f.content.splitlines()[0]
    ctx.slots = {"path": f.path, "text": line}
    checks = [state("files__read_file", {"path": f.path}, has=line), called("files__write_file", {"path": f.path})]
    answer = f"Created {f.path} with the text you gave."
    return _draft(["files"], [call("files__write_file", path=f.path, content=line)], answer, checks)


def list_folder(ctx: Ctx) -> Draft:
    files, seeded = files_setup(ctx, 3)
    folder = files[0].path.split("/")[0]
    ctx.slots = {"folder": folder}
    names = sorted({f.path.split("/")[1] for f in files if f.path.startswith(folder + "/")})
    expected = call("files__list_dir", path=any_of(folder, folder + "/", "./" + folder))
    answer = f"The {folder} folder holds: " + ", ".join(names) + "."
    return _draft(["files"], [expected], answer, [contains(n) for n in names], setup=seeded)


def search_files(ctx: Ctx) -> Draft:
    files, seeded = files_setup(ctx, 3)
    f = ctx.choice(files)
    ctx.slots = {"text": f.fact}
    expected = call("files__search", pattern=f.fact, path=optional("."))
    return _draft(["files"], [expected], f"'{f.fact}' appears in {f.path}.", [contains(f.path)], setup=seeded)


def run_python(ctx: Ctx) -> Draft:
    n, m = ctx.rng.randrange(5, 60), ctx.rng.randrange(2, 9)
    code, result = ctx.choice(
        (
            (f"print(sum(range({n})))", sum(range(n))),
            (f"print({n} ** {m})", n**m),
            (f"print(len('{'ab' * n}'))", 2 * n),
            (f"print(sorted([{n}, {m}, {n + m}])[-1])", n + m),
        )
    )
    ctx.slots = {"code": code}
    answer = f"The script printed {result}."
    return _draft(
        ["sandbox"], [call("sandbox__run_python", code=code, timeout_s=optional(10))], answer, [contains(result)]
    )


def tables_setup(ctx: Ctx, k: int) -> tuple[list, list[dict]]:
    tables = ctx.sample(TABLES, k)
    return tables, [setup("sql__execute", sql=t.ddl()) for t in tables]


def query_count(ctx: Ctx) -> Draft:
    tables, seeded = tables_setup(ctx, 1)
    table = tables[0]
    ctx.slots = {"table": table.name, "noun": table.noun}
    count = len(table.rows)
    sql = any_of(f"SELECT COUNT(*) FROM {table.name}", f"SELECT COUNT(*) AS count FROM {table.name}")
    answer = f"The {table.name} table has {count} rows."
    return _draft(["sql"], [call("sql__query", sql=sql)], answer, [contains(count)], setup=seeded)


def list_tables(ctx: Ctx) -> Draft:
    tables, seeded = tables_setup(ctx, 2)
    answer = "The database has these tables: " + ", ".join(t.name for t in tables) + "."
    return _draft(["sql"], [call("sql__list_tables")], answer, [contains(t.name) for t in tables], setup=seeded)


def describe_table(ctx: Ctx) -> Draft:
    tables, seeded = tables_setup(ctx, 2)
    table = ctx.choice(tables)
    ctx.slots = {"table": table.name}
    columns = [c.split()[0] for c in table.columns]
    answer = f"{table.name} has the columns " + ", ".join(columns) + "."
    checks = [contains(c) for c in columns]
    return _draft(["sql"], [call("sql__describe_table", table=table.name)], answer, checks, setup=seeded)


def evaluate(ctx: Ctx) -> Draft:
    a, b, c = ctx.rng.randrange(2, 99), ctx.rng.randrange(2, 40), ctx.rng.randrange(1, 500)
    expression = ctx.choice((f"{a} * {b} + {c}", f"({a} + {b}) * {c}", f"{c} - {a} * {b}", f"{b * 5}% of {c * 4}"))
    shown = evaluated(expression)
    ctx.slots = {"expr": expression}
    expected = call("calc__evaluate", expression=expression)
    return _draft(["calc"], [expected], f"{expression} = {shown}.", [contains(number_key(shown))])


def convert(ctx: Ctx) -> Draft:
    values, sources, targets = ctx.pick(CONVERSIONS)
    value, source, target = ctx.choice(values), ctx.choice(sources), ctx.choice(targets)
    shown, symbol = converted(value, source, target)
    ctx.slots = {"value": value, "src": source, "dst": target}
    expected = call("calc__convert_units", value=value, from_unit=any_of(*sources), to_unit=any_of(*targets))
    answer = f"{value} {source} is {shown} {symbol}."
    return _draft(["calc"], [expected], answer, [contains(number_key(shown))])


INTENTS = (
    Intent(
        "tasks.add_due",
        (
            "Add '{title}' to my to-do list, due {when}.",
            "Remind me to {title} {when}.",
            "New task: {title}. It's due {when}.",
            "I have to {title} {when}, put it on my list.",
            "Can you create a to-do '{title}' with a due date {when}?",
            "Put {title} on the task list for {when}.",
            "{when}, I need to {title}. Add it as a task.",
            "Make a task called '{title}' due {when}.",
        ),
        add_task_due,
    ),
    Intent(
        "tasks.add_priority",
        (
            "Add a {priority} priority task: {title}.",
            "Create the to-do '{title}' and mark it {priority} priority.",
            "{title} -- add that to my tasks as {priority} priority.",
            "I need a new task '{title}', priority {priority}.",
            "Track '{title}' for me ({priority} priority).",
        ),
        add_task_priority,
    ),
    Intent(
        "tasks.list",
        (
            "What's on my to-do list?",
            "Show me my open tasks.",
            "Which tasks do I still have to do?",
            "List everything I haven't finished yet.",
            "Remind me what's left on my task list.",
        ),
        list_tasks,
    ),
    Intent(
        "tasks.complete",
        (
            "Mark task {id} as done.",
            "I finished task number {id}, tick it off.",
            "Complete task {id} please.",
            "Task {id} is done now.",
            "Check off to-do #{id}.",
        ),
        complete_task,
    ),
    Intent(
        "tasks.delete",
        (
            "Delete task {id}.",
            "Remove task number {id} from my list.",
            "Get rid of to-do #{id}, I don't need it anymore.",
            "Task {id} is obsolete, delete it.",
        ),
        delete_task,
    ),
    Intent(
        "knowledge.search",
        (
            "Search my notes for {topic}.",
            "Do we have anything in the knowledge base about {topic}?",
            "Look up {topic} in the documents.",
            "Find the document about {topic}.",
            "What does the knowledge base say on {topic}?",
        ),
        search_docs,
    ),
    Intent(
        "knowledge.read",
        (
            "Open document {doc}.",
            "What does {doc} say?",
            "Read {doc} to me.",
            "Show me the full text of {doc}.",
        ),
        read_doc,
    ),
    Intent(
        "knowledge.add",
        (
            "Save a note titled '{title}': {text}",
            "Add this to the knowledge base under '{title}': {text}",
            "Store a document called {title} with the text: {text}",
            "Please remember this as '{title}' -- {text}",
        ),
        add_doc,
    ),
    Intent(
        "files.read",
        (
            "Show me what's in {path}.",
            "Read the file {path}.",
            "What does {path} contain?",
            "Open {path} and tell me what it says.",
            "Print the contents of {path}.",
        ),
        read_file,
    ),
    Intent(
        "files.write",
        (
            "Create the file {path} with this text: {text}",
            "Write '{text}' into {path}.",
            "Save a file at {path} containing: {text}",
            "Make a new file {path} and put {text} in it.",
        ),
        write_file,
    ),
    Intent(
        "files.list",
        (
            "What's in the {folder} folder?",
            "List the files in {folder}.",
            "Show me the contents of the {folder} directory.",
            "Which files are under {folder}/?",
        ),
        list_folder,
    ),
    Intent(
        "files.search",
        (
            "Which file mentions '{text}'?",
            "Search my files for {text}.",
            "Find where '{text}' is written in my files.",
            "Grep the workspace for {text}.",
        ),
        search_files,
    ),
    Intent(
        "sandbox.run",
        (
            "Run this Python code: {code}",
            "What does `{code}` print?",
            "Execute {code} in Python and tell me the output.",
            "Can you run the snippet {code} for me?",
            "Use Python to run: {code}",
        ),
        run_python,
    ),
    Intent(
        "sql.count",
        (
            "How many rows are in the {table} table?",
            "Count the {noun} in the database ({table} table).",
            "How many records does {table} have?",
            "Give me the number of rows in {table}.",
        ),
        query_count,
    ),
    Intent(
        "sql.list_tables",
        (
            "Which tables are in the database?",
            "List the database tables.",
            "What tables do we have in SQL?",
            "Show me all tables in the db.",
        ),
        list_tables,
    ),
    Intent(
        "sql.describe",
        (
            "What columns does the {table} table have?",
            "Describe the {table} table.",
            "Show me the schema of {table}.",
            "What fields are in {table}?",
        ),
        describe_table,
    ),
    Intent(
        "calc.evaluate",
        (
            "What is {expr}?",
            "Calculate {expr}.",
            "Compute {expr} for me.",
            "How much is {expr}?",
            "Work out {expr}.",
        ),
        evaluate,
    ),
    Intent(
        "calc.convert",
        (
            "Convert {value} {src} to {dst}.",
            "How many {dst} is {value} {src}?",
            "What's {value} {src} in {dst}?",
            "{value} {src} equals how many {dst}?",
            "Change {value} {src} into {dst}.",
        ),
        convert,
    ),
)

FAMILY = Family("single_tool", INTENTS, "one call to one bundled server")
