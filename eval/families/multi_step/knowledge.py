"""Chains that start in the knowledge base: search, read, then compute, save or schedule what a document says.

Fresh state per episode makes every id predictable at generation time
(documents are doc-1.. in the order setup adds them), so the reference plan is
exact even where a later call uses an earlier result. The pools here are used
by these chains only; every fourth item of each is test-only, as in entities
(COMPUTATIONS follow the split of the DOCS entry they name).
This module knows nothing of the sql, files or to-do chains, nor of the order
the family draws intents in (the package's __init__ fixes that).
"""

from __future__ import annotations

from datetime import timedelta

from eval.families.base import Ctx, Draft, Intent, in_split
from eval.families.build import any_of, call, called, contains, optional, setup, state
from eval.families.calcref import evaluated
from eval.families.entities import DOCS, Doc
from eval.families.multi_step.common import as_said, draft, orderings, shows
from eval.families.single_tool import docs_setup

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


def _key(doc: Doc) -> str:
    """What any faithful statement of `doc`'s fact contains: its number, else its fact words."""
    return doc.fact if doc.number is None else f"{doc.number:g}"


def _fact(doc: Doc) -> dict:
    """A check that the answer states `doc`'s fact."""
    return contains(doc.fact) if doc.number is None else shows(f"{doc.number:g}")


def _with_doc(ctx: Ctx, doc: Doc, others: int = 2) -> list[dict]:
    """Setup adding `others` shared documents and `doc` (once)."""
    docs, seeded = docs_setup(ctx, others)
    return seeded if doc in docs else [*seeded, setup("knowledge__add", title=doc.title, text=doc.text)]


def _search(doc: Doc) -> dict:
    return call("knowledge__search", query=any_of(doc.keywords, doc.title), k=optional(5))


def _doc_id(seeded: list[dict], doc: Doc) -> str:
    """The id the knowledge server gives `doc`: docs are numbered in the order setup adds them."""
    added = [c["arguments"]["title"] for c in seeded if c["tool"] == "knowledge__add"]
    return f"doc-{added.index(doc.title) + 1}"


def doc_then_compute(ctx: Ctx) -> Draft:
    title, what, expression = ctx.choice(
        [c for c in COMPUTATIONS if in_split([d.title for d in DOCS].index(c[0]), ctx.split)]
    )
    doc = next(d for d in DOCS if d.title == title)
    shown = evaluated(expression)
    ctx.slots = {"doc": title.lower(), "what": what}
    calls = [_search(doc), call("calc__evaluate", expression=any_of(*orderings(expression)))]
    answer = f"'{title}' says {doc.fact}, so {what} comes to {as_said(shown)}."
    return draft(["knowledge", "calc"], calls, answer, [shows(shown)], setup=_with_doc(ctx, doc))


def search_then_read(ctx: Ctx) -> Draft:
    docs, seeded = docs_setup(ctx, 3)
    index = ctx.rng.randrange(3)
    doc = docs[index]
    ctx.slots = {"topic": doc.keywords, "question": doc.question}
    calls = [_search(doc), call("knowledge__read", doc_id=f"doc-{index + 1}")]
    answer = f"According to '{doc.title}' (doc-{index + 1}): {doc.text}"
    checks = [_fact(doc), called("knowledge__read", {"doc_id": f"doc-{index + 1}"})]
    return draft(["knowledge"], calls, answer, checks, setup=seeded)


def doc_to_file(ctx: Ctx) -> Draft:
    doc, path = ctx.pick(DOCS), ctx.pick(NOTE_FILES)
    ctx.slots = {"question": doc.question, "path": path}
    calls = [_search(doc), call("files__write_file", path=path, content=any_of(doc.fact, doc.text))]
    checks = [state("files__read_file", {"path": path}, has=_key(doc))]
    answer = f"The knowledge base says {doc.fact}; I saved that to {path}."
    return draft(["knowledge", "files"], calls, answer, checks, setup=_with_doc(ctx, doc))


def _due(ctx: Ctx, doc: Doc) -> str:
    """The date `doc`'s number of days from now (every DEADLINES document states one)."""
    assert doc.number is not None, f"deadline document {doc.title!r} states no number of days"
    return (ctx.now.date() + timedelta(days=int(doc.number))).isoformat()


def deadline_task(ctx: Ctx) -> Draft:
    doc, title = ctx.pick(DEADLINES)
    due = _due(ctx, doc)
    ctx.slots = {"question": doc.question, "title": title}
    calls = [_search(doc), call("tasks__add_task", title=title, due=due)]
    checks = [state("tasks__list_tasks", has=f"| due {due}"), state("tasks__list_tasks", has=title)]
    answer = f"The policy says {doc.fact}, so I added '{title}' due {due}."
    return draft(["knowledge", "tasks"], calls, answer, checks, setup=_with_doc(ctx, doc, 1))


def search_read_task(ctx: Ctx) -> Draft:
    """search -> read the match in full -> a to-do whose due date comes from the document."""
    doc, title = ctx.pick(DEADLINES)
    seeded = _with_doc(ctx, doc, 2)
    doc_id = _doc_id(seeded, doc)
    due = _due(ctx, doc)
    ctx.slots = {"topic": doc.keywords, "title": title}
    calls = [_search(doc), call("knowledge__read", doc_id=doc_id), call("tasks__add_task", title=title, due=due)]
    checks = [
        state("tasks__list_tasks", has=f"| due {due}"),
        state("tasks__list_tasks", has=title),
        called("knowledge__read", {"doc_id": doc_id}),
    ]
    answer = f"'{doc.title}' says {doc.fact}, so I added '{title}' due {due}."
    return draft(["knowledge", "tasks"], calls, answer, checks, setup=seeded)


# Intents in the order they held when the held-out set was fixed, phrasings too: the test split is every
# fourth phrasing by index, so this order is a contract (see the package docstring).
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
)
