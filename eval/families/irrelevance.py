"""No-tool intents added after the held-out set was fixed: a mounted tool looks related but does not fit,
or a bundled tool fits but the request leaves out what it needs.

Irrelevance: weather, messages, alarms, live prices, bookings, with servers
mounted whose names brush against the request (tasks for an alarm, calc for a
share price); the right reply says no tool can do it and calls none.
Missing arguments: "add a task" with no title, "read the file" with no name;
the right reply asks for what is missing and invents nothing. They join
`no_tool` as `Family.added`, so training draws them while the committed
held-out tasks stay byte for byte. This module knows the bundled servers'
names and nothing of how tasks run.
"""

from __future__ import annotations

from eval.families.base import Ctx, Draft, Intent
from eval.families.build import no_calls, regex

CANNOT = r"(?i)(can't|cannot|can not|don't have|do not have|no (tool|way|access)|unable|not able)"
ASKS = r"\?"
CITIES = (
    "Lisbon",
    "Denver",
    "Osaka",
    "Nairobi",
    "Toronto",
    "Oslo",
    "Melbourne",
    "Lima",
    "Prague",
    "Seoul",
    "Cairo",
    "Dublin",
)
PEOPLE = ("Maya", "my boss", "Jordan", "the landlord", "my sister", "Dr. Patel", "the team", "Luis")
COMPANIES = ("Apple", "Tesla", "Nvidia", "Microsoft", "Amazon", "Siemens", "Toyota", "Nestle")
TIMES = ("6am", "6:30", "7:15 tomorrow morning", "noon", "5:45", "10 pm", "8 o'clock", "half past six")
PLACES = (
    "a table for two at an Italian place",
    "a taxi to the airport",
    "two cinema tickets for tonight",
    "a hotel room in Porto",
    "a haircut for Saturday",
    "a pizza",
    "train seats to Lyon",
    "a plumber",
)


def _say(ctx: Ctx, servers: tuple[str, ...], answer: str, pattern: str) -> Draft:
    return Draft("no_tool", sorted(servers), [], answer, [no_calls(), regex(pattern)])


def weather(ctx: Ctx) -> Draft:
    city = ctx.pick(CITIES)
    ctx.slots = {"city": city}
    answer = (
        f"I can't check the weather: none of my tools gives forecasts for {city}. A weather app or site will have it."
    )
    return _say(ctx, ("calc", "knowledge"), answer, CANNOT)


def message(ctx: Ctx) -> Draft:
    person = ctx.pick(PEOPLE)
    ctx.slots = {"person": person}
    answer = (
        f"I can't send messages or emails, so I can't reach {person} for you. I can save a note or a to-do instead."
    )
    return _say(ctx, ("tasks", "files"), answer, CANNOT)


def alarm(ctx: Ctx) -> Draft:
    time = ctx.pick(TIMES)
    ctx.slots = {"time": time}
    answer = f"I can't set alarms or timers; I have no clock tool. Your phone can ring at {time}, or I can add a to-do."
    return _say(ctx, ("tasks", "calc"), answer, CANNOT)


def live_price(ctx: Ctx) -> Draft:
    company = ctx.pick(COMPANIES)
    ctx.slots = {"company": company}
    answer = f"I don't have access to live market data, so I can't tell you {company}'s share price right now."
    return _say(ctx, ("calc", "sql"), answer, CANNOT)


def booking(ctx: Ctx) -> Draft:
    place = ctx.pick(PLACES)
    ctx.slots = {"thing": place}
    answer = "I can't make bookings or orders; none of my tools reaches outside services. I can add it to your to-dos."
    return _say(ctx, ("tasks", "knowledge"), answer, CANNOT)


def _ask(servers: tuple[str, ...], answer: str) -> Draft:
    return Draft("no_tool", list(servers), [], answer, [no_calls(), regex(ASKS)])


def task_without_title(ctx: Ctx) -> Draft:
    return _ask(("tasks",), "Sure. What should the task say?")


def file_without_name(ctx: Ctx) -> Draft:
    return _ask(("files",), "Which file do you mean? Tell me its name or path and I'll open it.")


def note_without_text(ctx: Ctx) -> Draft:
    return _ask(("knowledge",), "Happy to. What should the note say?")


def convert_without_value(ctx: Ctx) -> Draft:
    unit = ctx.choice(("kilometers", "pounds", "celsius", "liters", "hours", "meters"))
    ctx.slots = {"unit": unit}
    return _ask(("calc",), f"What amount, and in which unit, should I convert to {unit}?")


def code_without_code(ctx: Ctx) -> Draft:
    return _ask(("sandbox",), "Sure, which code should I run? Paste it here.")


INTENTS = (
    Intent(
        "irrelevant.weather",
        (
            "What's the weather going to be like in {city} tomorrow?",
            "Will it rain in {city} this weekend?",
            "Give me the forecast for {city}.",
            "Is it sunny in {city} right now?",
            "How cold will it get in {city} tonight?",
            "Do I need an umbrella in {city} today?",
            "Check the temperature in {city} for me.",
            "What's the humidity in {city} at the moment?",
        ),
        weather,
    ),
    Intent(
        "irrelevant.message",
        (
            "Email {person} that I'm running late.",
            "Text {person} to say the meeting moved to 3.",
            "Send {person} a message: dinner is at 7.",
            "Can you call {person} for me?",
            "Let {person} know I'll be working from home, by email.",
            "Ping {person} on chat that the report is ready.",
            "Forward the invoice to {person}.",
            "Write {person} a text saying happy birthday and send it.",
        ),
        message,
    ),
    Intent(
        "irrelevant.alarm",
        (
            "Set an alarm for {time}.",
            "Wake me up at {time}.",
            "Start a timer that goes off at {time}.",
            "I need an alarm at {time}, please.",
            "Ring at {time} so I don't oversleep.",
            "Put an alarm on for {time}.",
            "Buzz me at {time}.",
            "Can you make my phone ring at {time}?",
        ),
        alarm,
    ),
    Intent(
        "irrelevant.live_price",
        (
            "What's {company}'s stock price right now?",
            "How is {company} trading today?",
            "Get me the current share price of {company}.",
            "Did {company} stock go up this morning?",
            "Check the live quote for {company}.",
            "What's {company} worth on the market at the moment?",
            "How much does one {company} share cost today?",
            "Is {company} up or down today?",
        ),
        live_price,
    ),
    Intent(
        "irrelevant.booking",
        (
            "Book {thing}.",
            "Order {thing} for me.",
            "Can you reserve {thing}?",
            "Get me {thing}, booked and paid.",
            "Please arrange {thing}.",
            "I'd like you to book {thing} now.",
            "Sort out {thing} for tonight.",
            "Make a reservation: {thing}.",
        ),
        booking,
    ),
    Intent(
        "missing.task_title",
        (
            "Add a task.",
            "Put something new on the task list.",
            "Create a new to-do for me.",
            "I need a new task.",
            "Make a reminder.",
            "Can you add a to-do?",
            "New task please.",
            "Add an item to my list.",
        ),
        task_without_title,
    ),
    Intent(
        "missing.file_name",
        (
            "Read the file.",
            "Open that file for me.",
            "Show me what's in the file.",
            "What does the file say?",
            "Print the file contents.",
            "Can you open the document file?",
            "Read me the text file.",
            "Display the file.",
        ),
        file_without_name,
    ),
    Intent(
        "missing.note_text",
        (
            "Save a note.",
            "Add something to the knowledge base.",
            "Store a new document.",
            "I want to write down a note.",
            "Create a knowledge base entry.",
            "Can you file a note for me?",
            "Keep a note, please.",
            "Make a new entry in my notes.",
        ),
        note_without_text,
    ),
    Intent(
        "missing.convert_value",
        (
            "Convert this to {unit}.",
            "How much is that in {unit}?",
            "Change it into {unit}.",
            "Can you give me that in {unit}?",
            "Turn the number into {unit}.",
            "What would it be in {unit}?",
            "Express that amount in {unit}.",
            "Do a conversion to {unit}.",
        ),
        convert_without_value,
    ),
    Intent(
        "missing.code",
        (
            "Run my Python script.",
            "Execute the code.",
            "Can you run this snippet?",
            "Run the program in the sandbox.",
            "Test my code for me.",
            "Execute that Python.",
            "Run it in Python.",
            "Please run the script now.",
        ),
        code_without_code,
    ),
)
