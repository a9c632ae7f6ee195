"""`single_tool`: one call to one bundled server answers the request.

Every bundled server is covered: knowledge, files, sandbox, sql, calc, tasks.
Setup calls seed the state a request refers to (documents, files, tables,
to-dos); ids are predictable because every episode starts from fresh state.
"""

from __future__ import annotations

from eval.families import gaps
from eval.families.base import Ctx, Draft, Family, Intent
from eval.families.build import any_of, call, called, contains, optional, setup, state
from eval.families.calcref import converted, evaluated, number_key
from eval.families.entities import CONVERSIONS, DOCS, FILES, TABLES, TODO_TITLES
from eval.families.grammar import spoken_date, widen

CATEGORY = "single_tool"


def _draft(servers: list[str], calls: list[dict], answer: str, checks: list[dict], **extra) -> Draft:
    return Draft(CATEGORY, servers, calls, answer, checks, **extra)


def todo_setup(ctx: Ctx, k: int) -> tuple[list[str], list[dict]]:
    """`k` distinct to-dos added before the episode (ids 1..k)."""
    titles = ctx.sample(TODO_TITLES, k)
    return titles, [setup("tasks__add_task", title=t) for t in titles]


def add_task_due(ctx: Ctx) -> Draft:
    title = ctx.pick(TODO_TITLES)
    when, day = spoken_date(ctx)
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
        train_only=(
            "Could you make sure '{title}' is on my to-dos? It needs doing {when}.",
            "Busy week ahead. I still need to {title}, and it has to happen {when}.",
            "{title} -- due {when}",
            "Don't let me forget: {title}, {when}.",
            "Get '{title}' onto my to-dos so it's done {when}.",
            "I'd like a reminder on my task list to {title}. Deadline: {when}.",
            "Jot down '{title}' as a to-do with the due date set to {when}.",
            "Due {when}: {title}. Onto the list it goes.",
        ),
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
        train_only=(
            "Add '{title}' to my to-do list with {priority} priority.",
            "Could you put {title} on my task list? Priority should be {priority}.",
            "This one is {priority} priority: I need to {title}. Put it on my to-dos.",
            "Log a {priority}-priority to-do for me: {title}.",
            "I still have to {title}. Add it as a task and set the priority to {priority}.",
            "Set up '{title}' in my to-dos; its priority is {priority}.",
            "Flag {title} as {priority} priority and put it on my task list.",
            "Quick one for the list, {priority} prio: {title}.",
        ),
    ),
    Intent(
        "tasks.list",
        (
            # Index 0 read "What's on my to-do list?" until everyday-12 (an exam written later) asked exactly that.
            "What do I still have on my to-do list?",
            "Show me my open tasks.",
            "Which tasks do I still have to do?",
            "List everything I haven't finished yet.",
            "Remind me what's left on my task list.",
        ),
        list_tasks,
        train_only=(
            "Catch me up on my pending to-dos.",
            "Pull up my current to-dos.",
            "Give me an overview of my open to-dos.",
            "Any tasks still pending?",
            "Could you read out my task list?",
            "I want to see what's outstanding on my to-do list.",
            "Open tasks?",
            "Planning my afternoon. Which to-dos are still open?",
        ),
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
        train_only=(
            "Set to-do {id} to complete.",
            "Could you close out task #{id}? I've finished it.",
            "Done with {id}, mark it finished on my list.",
            "Tick task {id} off my list.",
            "I've wrapped up to-do number {id}. Record it as completed.",
            "Mark #{id} on my to-do list as completed.",
            "Flag item {id} on my task list as finished.",
            "Finally got task {id} out of the way, so mark it complete.",
        ),
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
        train_only=(
            "Erase to-do {id}.",
            "Could you drop task #{id}?",
            "I want item {id} removed from my tasks entirely.",
            "Scrap task number {id}.",
            "I added task {id} by mistake, so it needs deleting.",
            "Take task #{id} off the list for good.",
            "Plans changed: remove task {id} from my to-dos.",
            "Wipe out to-do {id}.",
        ),
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
        train_only=(
            "Is there a note somewhere on {topic}?",
            "I'm looking for information on {topic}. Can you search the knowledge base?",
            "Query the docs for {topic}.",
            "Any documents mentioning {topic}?",
            "Run a knowledge-base search on {topic}.",
            "I need whatever we've written down about {topic}.",
            "{topic}: check what my notes have on that.",
            "Search the stored documents for anything on {topic}.",
        ),
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
        train_only=(
            "Pull up {doc} for me.",
            "I'd like to read {doc}.",
            "Can you fetch document {doc} and show me what it contains?",
            "I'm curious what's in {doc}.",
            "Give me {doc}.",
            "What's written in {doc}?",
            "Let me see document {doc}.",
            "{doc}: what's in it?",
        ),
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
        train_only=(
            "Add a document named '{title}' to my notes. Content: {text}",
            "Knowledge base entry '{title}', content as follows: {text}",
            "Could you file this in the knowledge base as {title}? {text}",
            "Keep a record titled '{title}' with this text: {text}",
            "I want to save the following under the title '{title}': {text}",
            "Here's something worth keeping. Title it '{title}': {text}",
            "Title: {title}. Text: {text}",
            "Write a knowledge base entry called '{title}' that says: {text}",
        ),
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
        train_only=(
            "Could you display {path}?",
            "I need to see the contents of the file {path}.",
            "Cat {path}.",
            "What's written in {path}?",
            "Fetch {path} and show me the text.",
            "Let me have a look at {path}.",
            "{path} -- what's inside?",
            "Show the raw contents of {path}.",
        ),
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
        train_only=(
            "I want the text '{text}' saved as {path}.",
            "Could you write a file {path}? Its content: {text}",
            "I need {path} created, containing '{text}'.",
            "{path} should contain the line '{text}'. Create it.",
            "New file {path} with the line: {text}",
            "Write this to {path}: {text}",
            "Store the following text in {path}: {text}",
            "Generate a file at {path} whose content is '{text}'.",
        ),
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
        train_only=(
            "Show me what's inside {folder}.",
            "Can you list the directory {folder}?",
            "I'd like to see the files stored in {folder}.",
            "Give me a listing of the {folder} folder.",
            "ls {folder}",
            "Does {folder} have any files in it? Name them.",
            "Tell me what's stored in the {folder} directory.",
            "Browse {folder} and tell me what's there.",
        ),
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
        train_only=(
            "Look through everything I've saved and tell me which file has '{text}'.",
            "Where did I write {text}?",
            "Which of my files contains the text '{text}'?",
            "Can you find the file that has {text} in it?",
            "Is '{text}' in any of my files? Where?",
            "I remember noting '{text}' somewhere. Which file was it?",
            "Locate '{text}' in my files.",
            "Hunt down the file containing {text}.",
        ),
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
        train_only=(
            "Here's some Python, execute it: {code}",
            "I'd like to know the output of {code} in Python.",
            "Run {code} and show me the result.",
            "Python: {code}",
            "Evaluate this Python line in the sandbox: {code}",
            "What's the output if I run {code}?",
            "Try running {code} in the sandbox.",
            "Quick check in Python: {code}",
        ),
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
        train_only=(
            "Do a row count on {table}.",
            "What's the row count of the {table} table?",
            "How many {noun} does the {table} table hold?",
            "Tell me how many entries there are in {table}.",
            "How big is the {table} table, in rows?",
            "I need the total row count for {table}.",
            "Could you check how many rows the {table} table contains?",
            "{table}: how many rows?",
        ),
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
        train_only=(
            "I'm new to this database, so give me its table names.",
            "Give me the list of tables in our database.",
            "I'd like an overview of the tables in the SQL database.",
            "Could you tell me which tables the db contains?",
            "DB tables?",
            "Enumerate the SQL tables.",
            "Before I write a query: what tables are there?",
            "Name all the tables we have.",
        ),
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
        train_only=(
            "List the columns of {table}.",
            "What's the structure of the {table} table?",
            "I need the column names for {table}.",
            "Could you describe {table} for me?",
            "{table} table: which columns?",
            "Tell me how the {table} table is laid out.",
            "Give me the schema for the {table} table.",
            "I need to know the column definitions of {table}.",
        ),
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
        train_only=(
            "Tell me the value of {expr}.",
            "Evaluate {expr}.",
            "I need the result of {expr}.",
            "{expr} = ?",
            "Could you figure out {expr}?",
            "Solve {expr}.",
            "Use the calculator on {expr}.",
            "Quick math: {expr}",
        ),
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
        train_only=(
            "What is {value} {src} when converted to {dst}?",
            "Need a unit conversion: {value} {src} to {dst}.",
            "I need {value} {src} expressed in {dst}.",
            "If I have {value} {src}, how much is that in {dst}?",
            "Could you convert {value} {src} into {dst} for me?",
            "In {dst}, what would {value} {src} be?",
            "Express {value} {src} in {dst}.",
            "What do {value} {src} come to in {dst}?",
        ),
    ),
)

FAMILY = Family("single_tool", widen(INTENTS), "one call to one bundled server", added=widen(gaps.INTENTS))
