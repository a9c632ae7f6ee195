"""`no_tool`: chit-chat and general knowledge where calling a tool is wrong.

Tools are still mounted (one to three bundled servers, sometimes ones whose
domain the request brushes against), so a model learns that having tools is
not a reason to call them. The seeds call this category `direct_chat`.
"""

from __future__ import annotations

from eval.families import irrelevance
from eval.families.base import Ctx, Draft, Family, Intent
from eval.families.build import contains, no_calls
from eval.families.grammar import widen

SERVERS = ("knowledge", "files", "sandbox", "sql", "calc", "tasks")
CAPITALS = (
    ("France", "Paris"),
    ("Japan", "Tokyo"),
    ("Canada", "Ottawa"),
    ("Kenya", "Nairobi"),
    ("Peru", "Lima"),
    ("Norway", "Oslo"),
    ("Egypt", "Cairo"),
    ("Australia", "Canberra"),
    ("Portugal", "Lisbon"),
    ("Vietnam", "Hanoi"),
    ("Chile", "Santiago"),
    ("Poland", "Warsaw"),
    ("Morocco", "Rabat"),
    ("Ireland", "Dublin"),
    ("Thailand", "Bangkok"),
    ("Argentina", "Buenos Aires"),
)
ACRONYMS = (
    ("HTTP", "Hypertext Transfer Protocol"),
    ("CPU", "Central Processing Unit"),
    ("NASA", "Aeronautics"),
    ("RAM", "Random Access Memory"),
    ("URL", "Uniform Resource Locator"),
    ("GPS", "Global Positioning System"),
    ("PDF", "Portable Document Format"),
    ("DNA", "Deoxyribonucleic"),
    ("SQL", "Structured Query Language"),
    ("USB", "Universal Serial Bus"),
    ("HTML", "Hypertext Markup Language"),
    ("LED", "Light-Emitting Diode"),
)
WORDS = (
    ("thank you", "Spanish", "gracias"),
    ("good morning", "German", "guten Morgen"),
    ("cat", "French", "chat"),
    ("water", "Italian", "acqua"),
    ("hello", "Japanese", "konnichiwa"),
    ("friend", "Spanish", "amigo"),
    ("bread", "French", "pain"),
    ("yes", "German", "ja"),
    ("goodbye", "Italian", "arrivederci"),
    ("thank you", "Portuguese", "obrigado"),
    ("book", "Spanish", "libro"),
    ("house", "German", "Haus"),
)
TIPS = (
    ("stay focused while working", "focus"),
    ("sleep better", "sleep"),
    ("write a clear email", "email"),
    ("prepare for a job interview", "interview"),
    ("learn a new language", "practice"),
    ("keep a plant alive", "water"),
    ("run a good meeting", "agenda"),
    ("save money on groceries", "list"),
)


def _chat(ctx: Ctx, answer: str, *checks: dict) -> Draft:
    servers = ctx.rng.sample(SERVERS, ctx.rng.randrange(1, 4))
    return Draft("no_tool", sorted(servers), [], answer, [no_calls(), *checks])


def greeting(ctx: Ctx) -> Draft:
    return _chat(ctx, "Hi! I'm doing well, thanks for asking. How can I help you today?")


def closing(ctx: Ctx) -> Draft:
    return _chat(ctx, "You're welcome! Let me know if you need anything else.")


def capital(ctx: Ctx) -> Draft:
    country, city = ctx.pick(CAPITALS)
    ctx.slots = {"country": country}
    return _chat(ctx, f"The capital of {country} is {city}.", contains(city))


def acronym(ctx: Ctx) -> Draft:
    short, long = ctx.pick(ACRONYMS)
    ctx.slots = {"acronym": short}
    return _chat(ctx, f"{short} stands for {long}.", contains(long))


def translate(ctx: Ctx) -> Draft:
    word, language, translation = ctx.pick(WORDS)
    ctx.slots = {"word": word, "language": language}
    return _chat(ctx, f'In {language}, "{word}" is "{translation}".', contains(translation))


def tip(ctx: Ctx) -> Draft:
    goal, key = ctx.pick(TIPS)
    ctx.slots = {"goal": goal}
    answer = f"One simple idea to {goal}: make a habit of it. Set a small daily goal ({key} first) and keep it simple."
    return _chat(ctx, answer)


def about_me(ctx: Ctx) -> Draft:
    answer = (
        "I'm an assistant that can use tools: I can manage your to-do list, search and add notes, "
        "read and write files, run Python, query a database and do calculations. Just ask."
    )
    return _chat(ctx, answer)


INTENTS = (
    Intent(
        "chat.greeting",
        (
            "Hi, how are you?",
            "Good morning!",
            "Hey there, how's it going?",
            "Hello! Nice to meet you.",
            "Yo, what's up?",
            "Hi assistant, hope you're having a good day.",
        ),
        greeting,
        train_only=(
            "Hiya! How are things with you?",
            "Good evening, how have you been?",
            "Hey! How's your day going so far?",
            "Greetings! Doing alright today?",
            "Howdy, how are you doing?",
            "Hi there! Everything good on your end?",
            "Morning! How are you feeling today?",
            "Hey, long time no see. How are you?",
        ),
    ),
    Intent(
        "chat.closing",
        (
            # Index 0 read "Thanks, that's all for now." until everyday-12 (an exam written later) said exactly that.
            "Cheers, I'm set for the moment.",
            "Perfect, thank you!",
            "Great, that's everything I needed.",
            "Ok cool, bye!",
            "Thanks a lot for the help.",
        ),
        closing,
        train_only=(
            "That's it, thanks for your help!",
            "Awesome, I'm all set now.",
            "Much appreciated, have a good one!",
            "Nothing else for today, thank you.",
            "That covers it. Talk to you later!",
            "Cheers, that was really helpful.",
            "Got it, thanks! See you.",
            "Alright, I think we're done here. Thank you!",
        ),
    ),
    Intent(
        "knowledge.capital",
        (
            "What is the capital of {country}?",
            "Which city is the capital of {country}?",
            "Quick trivia: {country}'s capital?",
            "Do you know the capital city of {country}?",
            "Name the capital of {country}.",
        ),
        capital,
        train_only=(
            "I'm writing a geography quiz: which city serves as {country}'s capital?",
            "{country} -- what's its capital?",
            "Settle a bet for me: what's {country}'s capital?",
            "I always forget: {country}'s capital is which city?",
            "Capital of {country}?",
            "Which city does {country} have as its capital?",
            "My kid asked me for the capital of {country} and I blanked. What is it?",
            "Crossword clue: national capital of {country}. Answer?",
        ),
    ),
    Intent(
        "knowledge.acronym",
        (
            "What does {acronym} stand for?",
            "Spell out the acronym {acronym}.",
            "{acronym} is short for what?",
            "What's the full form of {acronym}?",
        ),
        acronym,
        train_only=(
            "Expand {acronym} for me.",
            "What do the letters in {acronym} mean?",
            "I keep seeing {acronym} everywhere. What does it mean?",
            "{acronym} -- what are the words behind it?",
            "Can you tell me what {acronym} means as an abbreviation?",
            "Decode the abbreviation {acronym}.",
            "Which words make up the acronym {acronym}?",
            "In a meeting someone said {acronym}. What's that an abbreviation of?",
        ),
    ),
    Intent(
        "knowledge.translate",
        (
            "How do you say '{word}' in {language}?",
            "Translate '{word}' into {language}.",
            "What's the {language} word for '{word}'?",
            "In {language}, how would I say '{word}'?",
        ),
        translate,
        train_only=(
            "'{word}' in {language}?",
            "I'm traveling soon. What's '{word}' in {language}?",
            "Give me the {language} translation of '{word}'.",
            "What would a {language} speaker say for '{word}'?",
            "Render '{word}' in {language}.",
            "I'd like to know the {language} for '{word}'.",
            "English to {language}: '{word}'.",
            "Quick translation needed: '{word}', {language}.",
        ),
    ),
    Intent(
        "advice.tip",
        (
            "Give me one tip to {goal}.",
            "Any advice on how to {goal}?",
            "How can I {goal}?",
            "What's a good way to {goal}?",
        ),
        tip,
        train_only=(
            "I've been struggling to {goal}. Any suggestions?",
            "Share a quick trick to {goal}.",
            "I want to {goal}. Where should I start?",
            "What helps people {goal}?",
            "Suggest something simple I could do to {goal}.",
            "My goal this month: {goal}. What would you recommend?",
            "Is there an easy habit that helps you {goal}?",
            "Got any pointers for someone trying to {goal}?",
        ),
    ),
    Intent(
        "chat.about",
        (
            "What can you do?",
            "What kind of things can you help me with?",
            "Are you able to do anything besides chatting?",
            "Tell me about yourself.",
        ),
        about_me,
        train_only=(
            "What are your capabilities?",
            "Who are you, and what are you for?",
            "Give me a rundown of what you're able to handle.",
            "I'm new here. How can you be useful to me?",
            "Which tasks are you good at?",
            "Do you have any special features or tools?",
            "What sorts of jobs can I hand off to you?",
            "Before we start, explain what you can help with.",
        ),
    ),
)

FAMILY = Family(
    "no_tool",
    widen(INTENTS),
    "chit-chat, general knowledge, no fitting tool, a missing argument: calling a tool is wrong",
    added=widen(irrelevance.INTENTS),
)
