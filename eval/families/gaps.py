"""Single-call intents added after the held-out set was fixed, for requests everyday use showed the data lacked.

Listing the workspace folder itself, "remember that ..." and asking for it
back, tips / discounts / percentages, a new file with given lines, short
computations in Python, and superlative questions over a table. They join
`single_tool` as `Family.added`, so training draws them while the committed
held-out tasks stay byte for byte. Their wording is written fresh; tests keep
it clear of the everyday-12 exam requests. This module knows the bundled
servers' tool names and nothing of how tasks run.
"""

from __future__ import annotations

from dataclasses import dataclass

from eval.families.base import Ctx, Draft, Intent
from eval.families.build import any_of, call, called, contains, optional, setup, state
from eval.families.calcref import evaluated, number_key
from eval.families.entities import DOCS, FILES, TABLES, Table

CATEGORY = "single_tool"


@dataclass(frozen=True)
class Memo:
    """A personal fact someone asks the assistant to keep: title, statement, search words, the key detail."""

    title: str
    text: str
    keywords: str
    fact: str
    thing: str  # how a later request names it


MEMOS = (
    Memo("parking spot", "my parking spot at work is B-14", "parking spot", "B-14", "my parking spot at work"),
    Memo("gym locker", "the gym locker combination is 2291", "gym locker", "2291", "the gym locker combination"),
    Memo("landlord phone", "the landlord's phone number is 555-0142", "landlord", "555-0142", "the landlord's number"),
    Memo("Mia's birthday", "Mia's birthday is on March 3", "Mia birthday", "March 3", "Mia's birthday"),
    Memo("bike lock", "the bike lock code is 0614", "bike lock", "0614", "the code for the bike lock"),
    Memo("dentist", "my dentist is Dr. Okafor on Elm Street", "dentist", "Okafor", "my dentist's name"),
    Memo("router login", "the router admin password is blue-fox-88", "router", "blue-fox-88", "the router password"),
    Memo("vet appointment", "the cat's vet appointment is at 10am on the 14th", "vet", "10am", "the vet appointment"),
    Memo("shoe size", "Sam's shoe size is 43", "shoe size", "43", "Sam's shoe size"),
    Memo("boiler pressure", "the boiler pressure should sit at 1.5 bar", "boiler", "1.5 bar", "the boiler pressure"),
    Memo(
        "rental car plate", "the rental car's plate is KX-482-PL", "rental car", "KX-482-PL", "the rental car's plate"
    ),
    Memo("book club", "book club meets every second Thursday", "book club", "second Thursday", "when book club meets"),
)
# (new file, what its lines are, the lines); the first line is what a check reads back.
LISTS = (
    ("packing.txt", "things to pack", ("passport", "charger", "sunscreen")),
    ("guests.txt", "the guest list", ("Priya", "Tom", "Lena", "Omar")),
    ("ideas.md", "gift ideas", ("scarf", "board game", "cookbook")),
    ("errands.txt", "errands", ("post office", "pharmacy", "hardware store")),
    ("reading.md", "books to read", ("Piranesi", "Klara and the Sun", "Educated")),
    ("menu.txt", "the dinner menu", ("soup", "risotto", "tiramisu")),
    ("chores.txt", "weekend chores", ("vacuum", "laundry", "mow the lawn")),
    ("songs.md", "songs for the party", ("Dancing Queen", "Valerie", "Mr. Brightside")),
)
# (table, key column, number column, the "most" words, the "least" words)
EXTREMES = (
    ("products", "name", "price", ("most expensive",), ("cheapest",)),
    ("employees", "name", "salary", ("best-paid", "highest-paid"), ("lowest-paid",)),
    ("books", "title", "year", ("newest", "most recent"), ("oldest", "earliest")),
    ("cities", "name", "population", ("biggest", "most populous"), ("smallest", "least populous")),
    ("runs", "day", "km", ("longest",), ("shortest",)),
    ("plants", "name", "water_every_days", ("least thirsty",), ("thirstiest",)),
    ("invoices", "number", "total", ("largest",), ("smallest",)),
    ("orders", "customer", "amount", ("biggest",), ("smallest",)),
)
BILLS = ("23.40", "48", "58", "86.50", "112", "37.80", "150", "72.25")
PRICES = ("40", "59.99", "120", "250", "18.50", "89", "300", "75")
SHARES = ((18, 24), (45, 60), (7, 20), (120, 480), (33, 150), (9, 36), (210, 700), (14, 56))


def _draft(servers: list[str], calls: list[dict], answer: str, checks: list[dict], **extra) -> Draft:
    return Draft(CATEGORY, servers, calls, answer, checks, **extra)


def list_here(ctx: Ctx) -> Draft:
    """Files at the top of the workspace and one folder; listing "." shows all of them."""
    files = ctx.sample(FILES, 2)
    loose = [(f.path.split("/")[-1], f.content) for f in files]
    seeded = [setup("files__write_file", path=name, content=content) for name, content in loose]
    seeded.append(setup("files__write_file", path="archive/old.txt", content="old notes"))
    names = sorted([name for name, _ in loose] + ["archive"])
    expected = call("files__list_dir", path=optional(any_of(".", "./", "")))
    answer = "This folder holds: " + ", ".join(names) + "."
    return _draft(["files"], [expected], answer, [contains(n) for n in names], setup=seeded)


def remember(ctx: Ctx) -> Draft:
    memo = ctx.pick(MEMOS)
    ctx.slots = {"fact": memo.text}
    text = any_of(memo.text, memo.text[:1].upper() + memo.text[1:])
    expected = call("knowledge__add", title=any_of(memo.title, memo.title.capitalize()), text=text, tags=optional([]))
    checks = [state("knowledge__search", {"query": memo.keywords}, has=memo.fact), called("knowledge__add")]
    return _draft(["knowledge"], [expected], f"Got it, I saved that {memo.text}.", checks)


def recall(ctx: Ctx) -> Draft:
    memo = ctx.pick(MEMOS)
    others = ctx.sample(DOCS, 2)
    seeded = [setup("knowledge__add", title=d.title, text=d.text) for d in others]
    seeded.insert(ctx.rng.randrange(3), setup("knowledge__add", title=memo.title, text=memo.text))
    ctx.slots = {"thing": memo.thing}
    expected = call("knowledge__search", query=any_of(memo.keywords, memo.title), k=optional(5))
    answer = f"According to your notes, {memo.text}."
    return _draft(["knowledge"], [expected], answer, [contains(memo.fact)], setup=seeded)


def _percent(ctx: Ctx, expressions: tuple[str, ...], answer: str) -> Draft:
    shown = evaluated(expressions[0])
    expected = call("calc__evaluate", expression=any_of(*expressions))
    checks = [contains(number_key(shown)), called("calc__evaluate")]
    return _draft(["calc"], [expected], answer.format(shown=shown), checks)


def tip(ctx: Ctx) -> Draft:
    bill, rate = ctx.pick(BILLS), ctx.choice((10, 12, 15, 18, 20, 22, 25))
    ctx.slots = {"bill": bill, "rate": rate}
    options = (f"{bill} * {rate}%", f"{rate}% of {bill}", f"{bill} * {rate / 100:g}")
    return _percent(ctx, options, f"A {rate}% tip on {bill} is {{shown}}.")


def discount(ctx: Ctx) -> Draft:
    price, off = ctx.pick(PRICES), ctx.choice((10, 15, 20, 25, 30, 40))
    ctx.slots = {"price": price, "off": off}
    options = (f"{price} - {off}%", f"{price} * (1 - {off}%)", f"{price} * {1 - off / 100:g}")
    return _percent(ctx, options, f"With {off}% off, {price} comes to {{shown}}.")


def share(ctx: Ctx) -> Draft:
    part, whole = ctx.pick(SHARES)
    ctx.slots = {"part": part, "whole": whole}
    options = (f"{part} / {whole} * 100", f"{part} / {whole} * 100%", f"100 * {part} / {whole}")
    return _percent(ctx, options, f"{part} is {{shown}}% of {whole}.")


def write_list(ctx: Ctx) -> Draft:
    path, what, lines = ctx.pick(LISTS)
    ctx.slots = {"path": path, "what": what, "items": ", ".join(lines)}
    content = any_of("\n".join(lines), "\n".join(lines) + "\n", ", ".join(lines))
    checks = [state("files__read_file", {"path": path}, has=lines[-1]), called("files__write_file", {"path": path})]
    answer = f"Created {path} with {what}: " + ", ".join(lines) + "."
    return _draft(["files"], [call("files__write_file", path=path, content=content)], answer, checks)


PRIMES = "for k in range(2, "


def _problems(ctx: Ctx) -> tuple[str, str, int | str]:
    """(how the request names it, the code, what it prints)."""
    n = ctx.rng.randrange(6, 25)
    word = ctx.choice(("mississippi", "onomatopoeia", "strawberry", "bookkeeper", "abracadabra"))
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    factorial = 1
    for k in range(2, min(n, 15) + 1):
        factorial *= k
    limit = 10 * n
    primes = sum(all(k % d for d in range(2, k)) for k in range(2, limit))
    squares = sum(i * i for i in range(1, n + 1))
    vowels = sum(c in "aeiou" for c in word)
    problems: tuple[tuple[str, str, int | str], ...] = (
        (f"the {n}th Fibonacci number", f"a, b = 0, 1\nfor _ in range({n}):\n    a, b = b, a + b\nprint(a)", a),
        (f"{min(n, 15)} factorial", f"import math\nprint(math.factorial({min(n, 15)}))", factorial),
        (f"the sum of the squares from 1 to {n}", f"print(sum(i * i for i in range(1, {n} + 1)))", squares),
        (f"how many vowels '{word}' has", f"print(sum(c in 'aeiou' for c in '{word}'))", vowels),
        (
            f"how many primes there are below {limit}",
            f"print(sum(all(k % d for d in range(2, k)) for k in range(2, {limit})))",
            primes,
        ),
        (f"'{word}' in upper case", f"print('{word}'.upper())", word.upper()),
    )
    return ctx.choice(problems)


def compute(ctx: Ctx) -> Draft:
    problem, code, result = _problems(ctx)
    ctx.slots = {"problem": problem}
    expected = call("sandbox__run_python", code=code, timeout_s=optional(10))
    checks = [contains(result), called("sandbox__run_python")]
    return _draft(["sandbox"], [expected], f"Python says {problem} is {result}.", checks)


def _table(name: str) -> Table:
    return next(t for t in TABLES if t.name == name)


def superlative(ctx: Ctx) -> Draft:
    name, key, column, most, least = ctx.pick(EXTREMES)
    table = _table(name)
    highest = ctx.rng.random() < 0.5
    words = most if highest else least
    order = "DESC" if highest else "ASC"
    columns = [c.split()[0] for c in table.columns]
    row = (max if highest else min)(table.rows, key=lambda r: r[columns.index(column)])
    value = row[columns.index(key)]
    ctx.slots = {"table": name, "adj": ctx.choice(words), "column": column.replace("_", " ")}
    sql = f"SELECT {key}, {column} FROM {name} ORDER BY {column} {order} LIMIT 1"
    options = (
        sql,
        f"SELECT {key} FROM {name} ORDER BY {column} {order} LIMIT 1",
        f"SELECT * FROM {name} ORDER BY {column} {order} LIMIT 1",
    )
    answer = f"The {ctx.slots['adj']} one in {name} is {value}."
    return _draft(
        ["sql"],
        [call("sql__query", sql=any_of(*options))],
        answer,
        [contains(value)],
        setup=[setup("sql__execute", sql=table.ddl())],
    )


INTENTS = (
    Intent(
        "files.list_here",
        (
            "What's in this folder?",
            "List the files here.",
            "Show me what's in the current directory.",
            "What files do I have?",
            "ls",
            "Which files are in my workspace?",
            "Give me a listing of the current folder.",
            "What's in here?",
        ),
        list_here,
        train_only=(
            "Show me everything in the working directory.",
            "List what's at the top level of my files.",
            "What's sitting in my workspace right now?",
            "Can I see the files in this directory?",
        ),
    ),
    Intent(
        "knowledge.remember",
        (
            "Remember that {fact}.",
            "Please keep in mind that {fact}.",
            "Make a note that {fact}.",
            "Don't forget: {fact}.",
            "Store this for later: {fact}.",
            "For future reference, {fact}.",
            "Note to self: {fact}.",
            "Could you remember for me that {fact}?",
        ),
        remember,
        train_only=(
            "I want you to remember that {fact}.",
            "Keep this in your notes: {fact}.",
            "Jot this down somewhere: {fact}.",
            "Remember this one for me: {fact}.",
        ),
    ),
    Intent(
        "knowledge.recall",
        (
            "What's {thing}? It's in my notes.",
            "I saved {thing} somewhere, what is it?",
            "Check my notes for {thing}.",
            "Remind me of {thing}.",
            "Do you have {thing} on file?",
            "Look up {thing} in my saved notes.",
            "I've forgotten {thing}. Can you look it up?",
            "What did I note down about {thing}?",
        ),
        recall,
        train_only=(
            "Find {thing} in what I told you to remember.",
            "Tell me {thing}, I stored it a while back.",
            "Search my notes: {thing}.",
            "I need {thing} -- it should be in the knowledge base.",
        ),
    ),
    Intent(
        "calc.tip",
        (
            "How much is a {rate}% tip on {bill}?",
            "Calculate a {rate} percent tip for a bill of {bill}.",
            "Our dinner came to {bill}. What's {rate}% of that as a tip?",
            "I want to tip {rate}% on {bill}. How much is that?",
            "Work out the tip: {rate}% of {bill}.",
            "The check is {bill}; figure out a {rate}% gratuity.",
            "Tip at {rate}% on a {bill} tab -- how much?",
            "What should I leave if I tip {rate}% on {bill}?",
        ),
        tip,
    ),
    Intent(
        "calc.discount",
        (
            "What's {price} with {off}% off?",
            "A jacket costs {price} and it's {off}% off. What do I pay?",
            "Take {off}% off {price}.",
            "How much is {price} after a {off} percent discount?",
            "Apply a {off}% discount to {price}.",
            "The sale knocks {off}% off a {price} price. New price?",
            "Compute {price} minus {off}%.",
            "What does a {price} item cost at {off}% off?",
        ),
        discount,
    ),
    Intent(
        "calc.share",
        (
            "What percentage is {part} of {whole}?",
            "{part} out of {whole} is what percent?",
            "Express {part} as a percentage of {whole}.",
            "I scored {part} out of {whole}. What's that in percent?",
            "What percent of {whole} is {part}?",
            "Calculate {part} over {whole} as a percentage.",
            "Give me {part}/{whole} in percent.",
            "How many percent is {part} of {whole}?",
        ),
        share,
    ),
    Intent(
        "files.write_list",
        (
            "Create {path} with {what}, one per line: {items}.",
            "Start a new file called {path} listing {items}.",
            "Write {what} to {path}: {items}.",
            "Make me a file named {path} containing {items}, each on its own line.",
            "Put {what} in a fresh file {path}: {items}.",
            "I need a new file {path} with these lines: {items}.",
            "Save {what} ({items}) into a new file, {path}.",
            "New file {path}, one item per line: {items}.",
        ),
        write_list,
    ),
    Intent(
        "sandbox.compute",
        (
            "Use Python to work out {problem}.",
            "Run some Python to find {problem}.",
            "Write a quick Python snippet that prints {problem}.",
            "Can the sandbox compute {problem}?",
            "With Python, figure out {problem}.",
            "I'd like Python to tell me {problem}.",
            "Compute {problem} by running code.",
            "Run code to get {problem}.",
        ),
        compute,
    ),
    Intent(
        "sql.superlative",
        (
            "Which entry in {table} is the {adj}?",
            "Query {table} for the {adj} one by {column}.",
            "Find the {adj} record in the {table} table.",
            "Look in {table}: which is the {adj}, going by {column}?",
            "From the {table} table, give me the {adj} one.",
            "Sort {table} by {column} and tell me the {adj}.",
            "Which row of {table} comes out {adj} on {column}?",
            "Who or what is the {adj} in {table}?",
        ),
        superlative,
    ),
)
