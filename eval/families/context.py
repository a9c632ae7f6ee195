"""`context`: the fact a request needs was said in an earlier user turn.

Conversations are built as [user states a fact, assistant acknowledges,
(sometimes unrelated chatter), user makes the request without restating the
fact]. Earlier turns come from their own phrasing pools, split like the
requests, so held-out conversations are new throughout.
"""

from __future__ import annotations

from eval.families.base import Ctx, Draft, Family, Intent
from eval.families.build import any_of, call, contains, optional, setup, state
from eval.families.calcref import converted, evaluated, number_key
from eval.families.dates import MONTHS
from eval.families.entities import TABLES
from eval.families.single_tool import docs_setup, files_setup, todo_setup

CATEGORY = "context"
ACKS = ("Got it.", "Noted!", "Thanks for letting me know.", "Okay, I'll keep that in mind.", "Sounds good.")
CHATTER = (
    ("By the way, how are you today?", "I'm doing well, thanks! What else can I do for you?"),
    ("Sorry, my cat just walked over the keyboard.", "No problem at all!"),
    ("It's raining again here.", "Sorry to hear that. Stay dry!"),
    ("Give me a second, I'm making coffee.", "Take your time."),
)
# (what happens, to-do title, a word the title must contain)
EVENTS = (
    ("my sister's wedding", "buy a wedding gift", "gift"),
    ("my dentist appointment", "confirm the dentist appointment", "dentist"),
    ("my flight to Rome", "pack the suitcase", "pack"),
    ("the team offsite", "book the venue", "venue"),
    ("my mum's birthday", "order flowers for mum", "flowers"),
    ("the quarterly review", "prepare the review slides", "slides"),
    ("my driving test", "practice parallel parking", "parking"),
    ("the house viewing", "print the mortgage papers", "mortgage"),
)
EVENT_PHRASES = (
    "{event} is on {day}.",
    "Just so you know, {event} is on {day}.",
    "I've got {event} coming up on {day}.",
    "Remember that {event} is {day}.",
    "Heads up: {event} is happening on {day}.",
)
BUDGET_PHRASES = (
    "My monthly {thing} budget is {n} euros.",
    "I spend about {n} euros a month on {thing}.",
    "We set aside {n} euros every month for {thing}.",
    "Each month {thing} costs me roughly {n} euros.",
)
THINGS = ("grocery", "coffee", "gym", "streaming", "transport", "phone", "book", "gardening")
PERIODS = (("per year", 12), ("over six months", 6), ("for a quarter", 3), ("over two years", 24))
RUN_PHRASES = (
    "I ran {km} km this morning.",
    "Just got back from a {km} km run!",
    "Today's run was {km} km.",
    "Did {km} km on the treadmill earlier.",
)
PATH_PHRASES = (
    "My notes are in {path}.",
    "I saved everything to {path}.",
    "The file I mean is {path}.",
    "Everything's written down in {path}.",
)
DOC_PHRASES = (
    "The document about {topic} is {doc} in the knowledge base.",
    "FYI, {doc} is the doc on {topic}.",
    "I think the {topic} info is in {doc}.",
    "Our {topic} doc has the id {doc}.",
)
TABLE_PHRASES = (
    "The data I care about is in the {table} table.",
    "We keep our {noun} in a table called {table}.",
    "Look, the {table} table is the important one.",
    "All the {noun} are stored in {table}.",
)
DONE_PHRASES = (
    "I finally managed to {title} today.",
    "Good news: I got around to it and did the one where I had to {title}.",
    "Phew, I was able to {title} this afternoon.",
    "Quick update: I had time to {title} this morning.",
)


def _conversation(ctx: Ctx, fact: str) -> list[dict]:
    """The fact, an acknowledgement, sometimes chatter, then the request."""
    turns = [{"role": "user", "content": fact}, {"role": "assistant", "content": ctx.choice(ACKS)}]
    if ctx.rng.random() < 0.4:
        said, answered = ctx.choice(CHATTER)
        chatter = [{"role": "user", "content": said}, {"role": "assistant", "content": answered}]
        turns = chatter + turns if ctx.rng.random() < 0.5 else turns + chatter
    return [*turns, {"role": "user", "content": ctx.request()}]


def _draft(
    ctx: Ctx, fact: str, servers: list[str], calls: list[dict], answer: str, checks: list[dict], **extra
) -> Draft:
    return Draft(CATEGORY, sorted(servers), calls, answer, checks, messages=_conversation(ctx, fact), **extra)


def event_task(ctx: Ctx) -> Draft:
    event, title, word = ctx.pick(EVENTS)
    day = ctx.now.date().replace(day=1)
    day = day.replace(month=day.month % 12 + 1, year=day.year + (day.month == 12), day=ctx.rng.randrange(1, 29))
    fact = ctx.phrase(EVENT_PHRASES, event=event, day=f"{MONTHS[day.month - 1]} {day.day}")
    ctx.slots = {"title": title}
    expected = call("tasks__add_task", title=any_of(title, f"{title} for {event}"), due=day.isoformat())
    checks = [state("tasks__list_tasks", has=day.isoformat()), state("tasks__list_tasks", has=word)]
    return _draft(ctx, _cap(fact), ["tasks"], [expected], f"Added '{title}', due {day.isoformat()}.", checks)


def budget(ctx: Ctx) -> Draft:
    n, thing = ctx.choice((35, 60, 85, 120, 240, 310)), ctx.pick(THINGS)
    period, factor = ctx.choice(PERIODS)
    fact = ctx.phrase(BUDGET_PHRASES, n=n, thing=thing)
    ctx.slots = {"period": period}
    shown = evaluated(f"{n} * {factor}")
    calls = [call("calc__evaluate", expression=any_of(f"{n} * {factor}", f"{factor} * {n}"))]
    return _draft(ctx, fact, ["calc"], calls, f"That's {shown} euros {period}.", [contains(shown)])


def run_distance(ctx: Ctx) -> Draft:
    km = ctx.choice((3, 5, 7.5, 10, 12, 21.1))
    fact = ctx.phrase(RUN_PHRASES, km=km)
    unit = ctx.choice(("miles", "mi"))
    ctx.slots = {"unit": unit}
    shown, _ = converted(km, "km", "mi")
    expected = call(
        "calc__convert_units", value=km, from_unit=any_of("km", "kilometers"), to_unit=any_of("mi", "miles")
    )
    return _draft(ctx, fact, ["calc"], [expected], f"{km} km is {shown} miles.", [contains(number_key(shown))])


def earlier_path(ctx: Ctx) -> Draft:
    files, seeded = files_setup(ctx, 2)
    f = ctx.choice(files)
    fact = ctx.phrase(PATH_PHRASES, path=f.path)
    answer = f"{f.path} says:\n{f.content}"
    return _draft(
        ctx, fact, ["files"], [call("files__read_file", path=f.path)], answer, [contains(f.fact)], setup=seeded
    )


def earlier_doc(ctx: Ctx) -> Draft:
    docs, seeded = docs_setup(ctx, 3)
    index = ctx.rng.randrange(3)
    doc = docs[index]
    fact = ctx.phrase(DOC_PHRASES, topic=doc.keywords, doc=f"doc-{index + 1}")
    ctx.slots = {"question": doc.question}
    expected = call("knowledge__read", doc_id=f"doc-{index + 1}")
    answer = f"doc-{index + 1} says: {doc.text}"
    return _draft(ctx, fact, ["knowledge"], [expected], answer, [contains(doc.fact)], setup=seeded)


def earlier_table(ctx: Ctx) -> Draft:
    table, other = ctx.sample(TABLES, 2)
    fact = ctx.phrase(TABLE_PHRASES, table=table.name, noun=table.noun)
    sql = any_of(f"SELECT COUNT(*) FROM {table.name}", f"SELECT COUNT(*) AS count FROM {table.name}")
    answer = f"The {table.name} table has {len(table.rows)} rows."
    seeded = [setup("sql__execute", sql=table.ddl()), setup("sql__execute", sql=other.ddl())]
    return _draft(ctx, fact, ["sql"], [call("sql__query", sql=sql)], answer, [contains(len(table.rows))], setup=seeded)


def finished_earlier(ctx: Ctx) -> Draft:
    titles, seeded = todo_setup(ctx, 3)
    index = ctx.rng.randrange(3)
    fact = ctx.phrase(DONE_PHRASES, title=titles[index])
    calls = [call("tasks__list_tasks", status=optional("open")), call("tasks__complete_task", task_id=index + 1)]
    checks = [state("tasks__list_tasks", {"status": "done"}, has=titles[index])]
    answer = f"Marked task {index + 1} '{titles[index]}' as done."
    return _draft(ctx, _cap(fact), ["tasks"], calls, answer, checks, setup=seeded)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


INTENTS = (
    Intent(
        "tasks.event_due",
        (
            "Add a to-do to {title}, due that day.",
            "Can you put '{title}' on my list for that date?",
            "Create a task for that day: {title}.",
            "Remind me to {title} on that day.",
            "I need a task '{title}' due the same day.",
        ),
        event_task,
    ),
    Intent(
        "calc.budget_period",
        (
            "How much is that {period}?",
            "What does that add up to {period}?",
            "So what's the total {period}?",
            "Work out how much that comes to {period}.",
        ),
        budget,
    ),
    Intent(
        "calc.run_distance",
        (
            "How far is that in {unit}?",
            "Convert that to {unit} for me.",
            "What's that distance in {unit}?",
            "And in {unit}?",
        ),
        run_distance,
    ),
    Intent(
        "files.read_mentioned",
        (
            "What's in that file?",
            "Can you read it to me?",
            "Open that file and tell me what it says.",
            "Show me its contents.",
        ),
        earlier_path,
    ),
    Intent(
        "knowledge.read_mentioned",
        (
            "Open that doc and tell me {question}.",
            "Read it -- I need to know {question}.",
            "What does that document say about {question}?",
            "Check that doc for {question}.",
        ),
        earlier_doc,
    ),
    Intent(
        "sql.count_mentioned",
        (
            "How many rows does it have?",
            "Count the records in that table.",
            "How many entries are in there?",
            "What's the row count of that table?",
        ),
        earlier_table,
    ),
    Intent(
        "tasks.complete_mentioned",
        (
            "Mark that task as done.",
            "Tick it off my to-do list.",
            "Can you complete that to-do?",
            "Update my list: that one's finished.",
        ),
        finished_earlier,
    ),
)

FAMILY = Family("context", INTENTS, "the needed fact is in an earlier user turn")
