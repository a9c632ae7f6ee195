"""Chains over the files server: read, search, copy, convert a written value, or save a sandbox result.

Seeded files come from single_tool's files_setup, so every path and content
is known at generation time. The pools here are used by these chains only.
The sandbox chain lives here because it ends in a file write, and last, where
it stood in the family's original intent order.
This module knows nothing of the knowledge, sql or to-do chains, nor of the
order the family draws intents in (the package's __init__ fixes that).
"""

from __future__ import annotations

from eval.families.base import Ctx, Draft, Intent
from eval.families.build import any_of, call, called, contains, optional, setup, state
from eval.families.calcref import converted
from eval.families.multi_step.common import RESULT_FILES, draft, shows
from eval.families.single_tool import files_setup

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
DESTINATIONS = ("backup", "archive", "copies", "shared", "old", "exports", "drafts", "keep")


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
    return draft(["files", "calc"], calls, answer, [shows(shown)], setup=seeded)


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
    return draft(["files"], calls, f"Copied {source.path} to {dest}.", checks, setup=seeded)


def first_line_to_file(ctx: Ctx) -> Draft:
    files, seeded = files_setup(ctx, 2)
    source = ctx.choice(files)
    line = source.content.splitlines()[0]
    dest = ctx.pick(RESULT_FILES)
    ctx.slots = {"src": source.path, "dst": dest}
    calls = [call("files__read_file", path=source.path), call("files__write_file", path=dest, content=line)]
    checks = [state("files__read_file", {"path": dest}, has=line)]
    answer = f"The first line of {source.path} is '{line}'; saved it to {dest}."
    return draft(["files"], calls, answer, checks, setup=seeded)


def find_then_read(ctx: Ctx) -> Draft:
    files, seeded = files_setup(ctx, 3)
    source = ctx.choice([f for f in files if any(f.fact not in line for line in f.content.splitlines())] or files)
    other = next((x for x in source.content.splitlines() if source.fact not in x and x.strip()), source.fact)
    ctx.slots = {"text": source.fact}
    calls = [call("files__search", pattern=source.fact, path=optional(".")), call("files__read_file", path=source.path)]
    answer = f"'{source.fact}' is in {source.path}, which says:\n{source.content}"
    return draft(["files"], calls, answer, [contains(source.path), contains(other.strip())], setup=seeded)


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
    return draft(["sandbox", "files"], calls, f"{expression} = {value}; saved it to {path}.", checks)


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
    return draft(["files"], calls, answer, checks, setup=seeded)


# Intents in the order they held when the held-out set was fixed, phrasings too: the test split is every
# fourth phrasing by index, so this order is a contract (see the package docstring).
INTENTS = (
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
)
# Chains written after the held-out set was fixed (training draws them; see Family.added).
ADDED = (
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
