"""`context`: the fact a request needs was said in an earlier user turn.

Conversations are built as [user states a fact, assistant acknowledges,
(sometimes unrelated chatter), user makes the request without restating the
fact]. Earlier turns come from their own phrasing pools, split like the
requests, so held-out conversations are new throughout.
"""

from __future__ import annotations

import re

from eval.families.base import Ctx, Draft, Family, Intent
from eval.families.build import any_of, call, called, contains, optional, regex, setup, state
from eval.families.calcref import converted, evaluated, number_key
from eval.families.dates import MONTHS
from eval.families.entities import TABLES
from eval.families.grammar import spoken_date, widen
from eval.families.single_tool import docs_setup, files_setup, todo_setup

CATEGORY = "context"
ACKS = ("Got it.", "Noted!", "Thanks for letting me know.", "Okay, I'll keep that in mind.", "Sounds good.")
CHATTER = (
    ("By the way, how are you today?", "I'm doing well, thanks! What else can I do for you?"),
    ("Sorry, my cat just walked over the keyboard.", "No problem at all!"),
    ("It's raining again here.", "Sorry to hear that. Stay dry!"),
    ("Give me a second, I'm making coffee.", "Take your time."),
    ("Do you ever get tired of these questions?", "Not at all, happy to help."),
    ("Ugh, my internet keeps dropping.", "That's annoying! I'm here whenever you're back."),
)
ASIDES = ("Long day today.", "Sorry for the slow replies, busy morning.", "Finally home.", "What a week.")
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
    "I've got {event} coming up on {day}.",
    "We finally fixed the date: {event} is on {day}.",
    "Remember that {event} is {day}.",
    "Looks like {event} will be on {day}.",
)
# (to-do title as said, a shorter title, a word any title must contain)
CHORES = (
    ("renew my passport", "renew passport", "passport"),
    ("call the plumber about the leak", "call the plumber", "plumber"),
    ("return the rental car", "return rental car", "rental"),
    ("cancel the magazine subscription", "cancel magazine subscription", "magazine"),
    ("get the bike serviced", "bike service", "bike"),
    ("send the invoice to Hooli", "send invoice to Hooli", "invoice"),
    ("book the vet for the cat", "book the vet", "vet"),
    ("buy new running shoes", "buy running shoes", "shoes"),
)
CHORE_PHRASES = (
    "I keep forgetting to {title}.",
    "Ugh, I still haven't managed to {title}.",
    "I really have to {title} at some point.",
    "Note to self: {title}.",
    "My partner keeps reminding me to {title}.",
)
BUDGET_PHRASES = (
    "My monthly {thing} budget is {n} euros.",
    "I spend about {n} euros a month on {thing}.",
    "We set aside {n} euros every month for {thing}.",
    "Each month {thing} costs me roughly {n} euros.",
)
THINGS = ("takeaway", "coffee", "gym", "streaming", "transport", "phone", "lunch", "gardening")
PERIODS = (("per year", 12), ("over six months", 6), ("for a quarter", 3), ("over two years", 24))
RUN_PHRASES = (
    "I ran {km} km this morning.",
    "Just got back from a {km} km run!",
    "Today's run was {km} km.",
    "Did {km} km on the treadmill earlier.",
)
WEIGHT_PHRASES = (
    "My suitcase weighs {kg} kg.",
    "The parcel I'm sending comes to {kg} kg.",
    "The vet says our dog is {kg} kg now.",
    "I put the box on the scale: {kg} kg.",
)
PATH_PHRASES = (
    "I've been editing {path} today.",
    "I saved the draft to {path} yesterday.",
    "My colleague just dropped {path} into my workspace.",
    "There's a file, {path}, that I've been working on.",
)
# (what it is, a label for the file, the value)
DETAILS = (
    ("my new address", "Address", "Rua das Flores 12, Porto"),
    ("the door code", "Door code", "4821#"),
    ("my bike lock combination", "Bike lock", "3-1-7-9"),
    ("the plumber's number", "Plumber", "0151 448 2210"),
    ("my locker number", "Locker", "B-217"),
    ("the parcel tracking number", "Tracking number", "JD0142 7781 GB"),
    ("our new team channel", "Team channel", "#proj-falcon"),
    ("my library card number", "Library card", "LC-5530-21"),
)
DETAIL_PHRASES = (
    "{what} is {value}.",
    "Just changed: {what} is now {value}.",
    "Don't let me forget, {what} is {value}.",
    "Quick note: {what} is {value}.",
)
DOC_PHRASES = (
    "The {topic} document is {doc} in the knowledge base.",
    "The doc on {topic} is {doc}.",
    "I think the {topic} info is in {doc}.",
    "Our {topic} doc has the id {doc}.",
)
TABLE_PHRASES = (
    "The data I care about is in the {table} table.",
    "We keep our {noun} in a table called {table}.",
    "The {table} table is the important one.",
    "Everything I need is in the {table} table.",
)
DONE_PHRASES = (
    "I finally managed to {title} today.",
    "Phew, I was able to {title} this afternoon.",
    "I had time to {title} this morning.",
    "Guess what, I got to {title} earlier.",
)


def _conversation(ctx: Ctx, fact: str) -> list[dict]:
    """The fact (sometimes after an aside), an acknowledgement, sometimes chatter, then the request."""
    fact = _cap(fact)
    if ctx.rng.random() < 0.25:
        fact = f"{ctx.choice(ASIDES)} {fact}"
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


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _number(shown: object) -> dict:
    """A check that the answer shows the whole number `shown` (thousands separators allowed)."""
    return regex(r"(?<![\d.])" + re.sub(r"\B(?=(\d{3})+$)", ",?", str(shown)) + r"(?!,?\d)")


def event_task(ctx: Ctx) -> Draft:
    event, title, word = ctx.pick(EVENTS)
    day = ctx.now.date().replace(day=1)
    day = day.replace(month=day.month % 12 + 1, year=day.year + (day.month == 12), day=ctx.rng.randrange(1, 29))
    fact = ctx.phrase(EVENT_PHRASES, event=event, day=f"{MONTHS[day.month - 1]} {day.day}")
    ctx.slots = {"title": title}
    expected = call("tasks__add_task", title=any_of(title, f"{title} for {event}"), due=day.isoformat())
    checks = [state("tasks__list_tasks", has=day.isoformat()), state("tasks__list_tasks", has=word)]
    return _draft(ctx, fact, ["tasks"], [expected], f"Added '{title}', due {day.isoformat()}.", checks)


def chore_task(ctx: Ctx) -> Draft:
    title, short, word = ctx.pick(CHORES)
    when, day = spoken_date(ctx)
    fact = ctx.phrase(CHORE_PHRASES, title=title)
    ctx.slots = {"when": when}
    expected = call("tasks__add_task", title=any_of(title, short), due=day.isoformat())
    checks = [state("tasks__list_tasks", has=f"{word}"), state("tasks__list_tasks", has=day.isoformat())]
    return _draft(ctx, fact, ["tasks"], [expected], f"Added '{title}', due {day.isoformat()}.", checks)


def budget(ctx: Ctx) -> Draft:
    n, thing = ctx.choice((35, 60, 85, 120, 240, 310)), ctx.pick(THINGS)
    period, factor = ctx.choice(PERIODS)
    fact = ctx.phrase(BUDGET_PHRASES, n=n, thing=thing)
    ctx.slots = {"period": period}
    shown = evaluated(f"{n} * {factor}")
    calls = [call("calc__evaluate", expression=any_of(f"{n} * {factor}", f"{factor} * {n}"))]
    return _draft(ctx, fact, ["calc"], calls, f"That's {shown} euros {period}.", [_number(shown)])


def _convert(ctx: Ctx, fact: str, value: float, units: tuple[tuple[str, ...], tuple[str, ...]]) -> Draft:
    sources, targets = units
    unit = ctx.choice(targets)
    ctx.slots = {"unit": unit}
    shown, _ = converted(value, sources[0], targets[0])
    expected = call("calc__convert_units", value=value, from_unit=any_of(*sources), to_unit=any_of(*targets))
    answer = f"{value} {sources[0]} is {shown} {unit}."
    return _draft(ctx, fact, ["calc"], [expected], answer, [contains(number_key(shown))])


def run_distance(ctx: Ctx) -> Draft:
    km = ctx.choice((3, 5, 7.5, 10, 12, 21.1))
    return _convert(ctx, ctx.phrase(RUN_PHRASES, km=km), km, (("km", "kilometers"), ("miles", "mi")))


def weight(ctx: Ctx) -> Draft:
    kg = ctx.choice((1.5, 8, 12.5, 23, 32, 70))
    return _convert(ctx, ctx.phrase(WEIGHT_PHRASES, kg=kg), kg, (("kg", "kilograms"), ("pounds", "lb", "lbs")))


def earlier_path(ctx: Ctx) -> Draft:
    files, seeded = files_setup(ctx, 2)
    f = ctx.choice(files)
    fact = ctx.phrase(PATH_PHRASES, path=f.path)
    answer = f"{f.path} says:\n{f.content}"
    return _draft(
        ctx, fact, ["files"], [call("files__read_file", path=f.path)], answer, [contains(f.fact)], setup=seeded
    )


def save_detail(ctx: Ctx) -> Draft:
    what, label, value = ctx.pick(DETAILS)
    path = f"notes/{label.lower().replace(' ', '-')}.txt"
    fact = ctx.phrase(DETAIL_PHRASES, what=what, value=value)
    ctx.slots = {"path": path}
    expected = call("files__write_file", path=path, content=any_of(value, f"{label}: {value}"))
    checks = [state("files__read_file", {"path": path}, has=value), called("files__write_file", {"path": path})]
    return _draft(ctx, fact, ["files"], [expected], f"Done: {path} now holds {value}.", checks)


def earlier_doc(ctx: Ctx) -> Draft:
    docs, seeded = docs_setup(ctx, 3)
    index = ctx.rng.randrange(3)
    doc = docs[index]
    fact = ctx.phrase(DOC_PHRASES, topic=doc.title.lower(), doc=f"doc-{index + 1}")
    ctx.slots = {"question": doc.question}
    expected = call("knowledge__read", doc_id=f"doc-{index + 1}")
    answer = f"doc-{index + 1} says: {doc.text}"
    return _draft(ctx, fact, ["knowledge"], [expected], answer, [contains(doc.fact)], setup=seeded)


def earlier_table(ctx: Ctx) -> Draft:
    table, other = ctx.sample(TABLES, 2)
    while len(other.rows) == len(table.rows):  # the count must tell the two tables apart
        table, other = ctx.sample(TABLES, 2)
    fact = ctx.phrase(TABLE_PHRASES, table=table.name, noun=table.noun)
    sql = any_of(f"SELECT COUNT(*) FROM {table.name}", f"SELECT COUNT(*) AS count FROM {table.name}")
    answer = f"The {table.name} table has {len(table.rows)} rows."
    seeded = [setup("sql__execute", sql=t.ddl()) for t in ctx.rng.sample([table, other], 2)]
    checks = [_number(len(table.rows))]
    return _draft(ctx, fact, ["sql"], [call("sql__query", sql=sql)], answer, checks, setup=seeded)


def finished_earlier(ctx: Ctx) -> Draft:
    titles, seeded = todo_setup(ctx, 3)
    index = ctx.rng.randrange(3)
    fact = ctx.phrase(DONE_PHRASES, title=titles[index])
    calls = [call("tasks__list_tasks", status=optional("open")), call("tasks__complete_task", task_id=index + 1)]
    checks = [
        state("tasks__list_tasks", {"status": "done"}, has=titles[index]),
        state("tasks__list_tasks", {"status": "open"}, has=titles[index - 1]),
    ]
    answer = f"Marked task {index + 1} '{titles[index]}' as done."
    return _draft(ctx, fact, ["tasks"], calls, answer, checks, setup=seeded)


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
        train_only=(
            "Set up a to-do, '{title}', due on that date.",
            "I'll have to {title} by then, so add it to my tasks with that as the due date.",
            "To-do: {title} -- due on the date I just mentioned.",
            "Could we get a task on my list to {title}, dated for that day?",
            "Before I forget, I need to {title}. Make it a to-do due on that date.",
            "Would you add '{title}' to my tasks with the due date set to that day?",
            "Track '{title}' as a task for that same date.",
            "Busy stretch coming up, so I'd like a to-do saying '{title}' for the day of it.",
        ),
    ),
    Intent(
        "tasks.chore_mentioned",
        (
            "Put that on my to-do list, due {when}.",
            "Add it as a task -- I want it done {when}.",
            "Can you make that a to-do? Due {when}.",
            "Remind me about that {when}.",
            "Please track that as a task due {when}.",
        ),
        chore_task,
        train_only=(
            "Add that to my tasks and make it due {when}.",
            "Could we get that onto my to-do list? It should be done {when}.",
            "New task: the thing I just mentioned, due {when}.",
            "Let's finally deal with it: make it a task due {when}.",
            "I'd like that tracked on my task list, due {when}.",
            "Turn what I just said into a to-do due {when}.",
            "Can that go on my list? I want it sorted {when}.",
            "Log it as a to-do for me, due {when}.",
        ),
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
        train_only=(
            "What would that be {period}?",
            "Calculate what I'd spend {period} at that rate.",
            "If it stays like that, how much do I spend {period}?",
            "Ballpark, what am I spending on that {period}?",
            "I'm curious what that totals {period}.",
            "Scale that up for me: what's the figure {period}?",
            "Planning my finances -- what does that amount to {period}?",
            "Figure out my total spend on it {period}.",
        ),
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
        train_only=(
            "What would that run be in {unit}?",
            "Switch it over to {unit}.",
            "I'm used to {unit}, so how far was that?",
            "My running app uses {unit} -- what's that equivalent to?",
            "Express that in {unit}.",
            "How long was that run in {unit}?",
            "Could you give me that figure in {unit}?",
            "Curious how that converts to {unit}.",
        ),
    ),
    Intent(
        "calc.weight_convert",
        (
            "How much is that in {unit}?",
            "What's that in {unit}?",
            "Convert that weight to {unit}.",
            "How many {unit} would that be?",
        ),
        weight,
        train_only=(
            "Translate that weight into {unit}.",
            "What does that come to in {unit}?",
            "I need that in {unit}.",
            "Give me that weight in {unit}.",
            "The form wants the weight in {unit}. What is it?",
            "Can you express it in {unit}?",
            "Around here people use {unit}, so what does it work out to?",
            "Roughly what would it weigh in {unit}?",
        ),
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
        train_only=(
            "Read that file out for me.",
            "What does it say?",
            "I forgot what's in there -- can you open it?",
            "Pull up that file; I'd like to see the text.",
            "Let me see what that file holds.",
            "What was written in that one again?",
            "Give me a quick summary of what's in that file.",
            "Could you check what that file contains?",
        ),
    ),
    Intent(
        "files.save_mentioned",
        (
            "Save that in {path}.",
            "Write it into a file at {path} so I don't lose it.",
            "Put that in {path}, please.",
            "Can you store that in the file {path}?",
            "Create {path} with that in it.",
        ),
        save_detail,
        train_only=(
            "Write that down in {path}.",
            "Keep a copy of it in {path}.",
            "I'll need that later -- save it to {path}.",
            "Could we put it in a file? {path} works.",
            "Jot that into {path} for me.",
            "{path} is where that should go; save it there.",
            "I'd like that recorded in {path}.",
            "Make a note of it in {path}.",
        ),
    ),
    Intent(
        "knowledge.read_mentioned",
        (
            "Open that doc and tell me {question}.",
            "Read it -- I need to know {question}.",
            "What does that document say? I need to know {question}.",
            "Check that doc and find out {question}.",
        ),
        earlier_doc,
        train_only=(
            "Skim that document for me; I want to learn {question}.",
            "Can you look it up in that document: {question}?",
            "I'd like to know {question} -- read the doc I mentioned.",
            "Read through that doc; my question is {question}.",
            "Could we look at that document? I'm wondering {question}.",
            "Dig into it and let me know {question}.",
            "Based on that doc, {question}?",
            "Have a read of that document for me -- {question}?",
        ),
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
        train_only=(
            "How big is that table, in rows?",
            "Count how many rows are in it.",
            "How many records does that one hold?",
            "I'd like to know the number of rows in that table.",
            "Give me a quick count of the rows in there.",
            "Tell me how many records that table contains.",
            "Number of rows in it?",
            "Run a count on that table.",
        ),
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
        train_only=(
            "Cross that off my list.",
            "Can you close that task?",
            "It's done, so check that to-do off.",
            "Set that task's status to done.",
            "Flag that to-do as completed.",
            "Complete the task I just mentioned.",
            "Mark it done on my task list.",
            "Since that's sorted, record it as complete in my to-dos.",
        ),
    ),
)

FAMILY = Family("context", widen(INTENTS), "the needed fact is in an earlier user turn")
