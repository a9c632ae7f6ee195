"""Blueprints of synthetic tools: a domain action with variant names, descriptions and parameters.

A toolset draws blueprints and, for each, one of its function names, one
description, one name per parameter and a subset of its optional parameters,
so the same action shows up under many schemas. This module knows nothing of
MCP or of tasks.
"""

from __future__ import annotations

from dataclasses import dataclass

from mcp_servers.synthetic.kinds import KINDS, Kind, boolean, enum


@dataclass(frozen=True)
class Param:
    kind: Kind
    names: tuple[str, ...]
    required: bool = True
    phrases: tuple[str, ...] = ()  # overrides the kind's phrases for this action

    def templates(self) -> tuple[str, ...]:
        return self.phrases or self.kind.phrases


@dataclass(frozen=True)
class Blueprint:
    key: str
    names: tuple[str, ...]
    descriptions: tuple[str, ...]
    params: tuple[Param, ...]
    requests: tuple[str, ...]  # what a user says; {args} becomes the spoken arguments
    read_only: bool = False
    ordered: bool = False  # arguments must be said in schema order ("120 dollars into euros")


def p(kind: str | Kind, *names: str, required: bool = True, say: tuple[str, ...] = ()) -> Param:
    return Param(KINDS[kind] if isinstance(kind, str) else kind, names, required, say)


CABIN = enum(
    ("economy", "premium", "business"), "cabin class", {"premium": ("premium economy",)}, ("in {v}", "flying {v}")
)
SEATING = enum(("indoor", "outdoor", "bar"), "where to sit", {}, ("with {v} seating", "{v} seating"))
UNITS = enum(("celsius", "fahrenheit"), "temperature unit", {}, ("in {v}",))
REASON = enum(
    ("damaged", "late", "changed_mind"),
    "why",
    {"changed_mind": ("I changed my mind",)},
    ("because it's {v}", "reason: {v}"),
)
ROOM = enum(("living_room", "bedroom", "kitchen", "office"), "which room", {}, ("in the {v}", "for the {v}"))
MODE = enum(("heat", "cool", "auto"), "HVAC mode", {"auto": ("automatic",)}, ("in {v} mode",))
CURRENCY = enum(
    ("USD", "EUR", "GBP", "JPY"),
    "ISO currency",
    {"USD": ("dollars",), "EUR": ("euros",), "GBP": ("pounds",), "JPY": ("yen",)},
    ("in {v}",),
)
TARGET_CURRENCY = enum(
    ("USD", "EUR", "GBP", "JPY"),
    "currency to convert into",
    {"USD": ("dollars",), "EUR": ("euros",), "GBP": ("pounds",), "JPY": ("yen",)},
    ("into {v}", "to {v}"),
)
ACTIVITY = enum(
    ("run", "swim", "cycle", "yoga"),
    "kind of workout",
    {"run": ("a run",), "swim": ("a swim",), "cycle": ("a bike ride",), "yoga": ("a yoga session",)},
    ("{v}",),
)
LEAVE = enum(
    ("vacation", "sick", "parental"),
    "leave type",
    {"sick": ("sick leave",), "parental": ("parental leave",)},
    ("as {v}", "{v}"),
)
CAR = enum(
    ("compact", "suv", "van"),
    "car category",
    {"suv": ("an SUV",), "van": ("a van",), "compact": ("a compact",)},
    ("{v}",),
)
ZONE = enum(
    ("front", "back", "greenhouse"),
    "garden zone",
    {"front": ("the front yard",), "back": ("the back yard",), "greenhouse": ("the greenhouse",)},
    ("in {v}",),
)
DIET = enum(("none", "vegetarian", "vegan"), "meal preference", {"none": ("no dietary needs",)}, ("{v} meals", "{v}"))
SYMBOL = enum(
    ("AAPL", "MSFT", "NVDA", "SAP"),
    "ticker symbol",
    {"AAPL": ("Apple",), "MSFT": ("Microsoft",), "NVDA": ("Nvidia",), "SAP": ("SAP",)},
    ("{v}",),
)

BLUEPRINTS: tuple[Blueprint, ...] = (
    Blueprint(
        "flight",
        ("book_flight", "reserve_flight", "flight_booking"),
        ("Book a plane ticket.", "Reserve a seat on a flight between two cities."),
        (
            p("origin", "origin", "from_city", "departure"),
            p("destination", "destination", "to_city", "arrival"),
            p("date", "date", "travel_date", "departure_date"),
            p(CABIN, "cabin", "travel_class", required=False),
            p(
                boolean("ticket can be refunded", ("refundable",), ("non-refundable",)),
                "refundable",
                "flexible",
                required=False,
            ),
        ),
        (
            "Book a flight {args}.",
            "I need to fly {args}.",
            "Get me a plane ticket {args}.",
            "Could you reserve a flight {args}?",
            "Please sort out a flight {args}.",
        ),
    ),
    Blueprint(
        "table",
        ("reserve_table", "book_restaurant", "make_reservation"),
        ("Reserve a restaurant table.", "Book a table at the partner restaurant."),
        (
            p("people", "party_size", "guests", "covers"),
            p("date", "date", "day"),
            p("time", "time", "at"),
            p(SEATING, "seating", "area", required=False),
        ),
        (
            "Reserve a table {args}.",
            "Book us a dinner table {args}.",
            "Can you get a restaurant booking {args}?",
            "I'd like a table {args}.",
            "Make a dinner reservation {args}.",
        ),
    ),
    Blueprint(
        "forecast",
        ("get_forecast", "weather_forecast", "forecast"),
        ("Weather forecast for a city.", "Get the coming days' weather."),
        (
            p("city", "city", "location"),
            p("days", "days", "horizon", required=False),
            p(UNITS, "units", "unit", required=False),
        ),
        (
            "What's the weather forecast {args}?",
            "Get me the forecast {args}.",
            "Check the weather {args}.",
            "Will it rain? Forecast {args} please.",
            "Look up the weather {args}.",
        ),
        read_only=True,
    ),
    Blueprint(
        "cancel",
        ("cancel_order", "order_cancel", "void_order"),
        ("Cancel a customer order.", "Cancel an order that has not shipped yet."),
        (p("order_id", "order_id", "order", "order_ref"), p(REASON, "reason", "why", required=False)),
        ("Cancel order {args}.", "Please void my order {args}.", "I want to cancel {args}.", "Scrap the order {args}."),
    ),
    Blueprint(
        "track",
        ("track_package", "parcel_status", "where_is_parcel"),
        ("Where a parcel is now.", "Tracking status of a shipment."),
        (p("tracking", "tracking_number", "tracking_id", "parcel"),),
        (
            "Where is my parcel {args}?",
            "Track package {args}.",
            "What's the status of shipment {args}?",
            "Check tracking number {args}.",
        ),
        read_only=True,
    ),
    Blueprint(
        "thermostat",
        ("set_thermostat", "set_temperature", "climate_set"),
        ("Set a room's target temperature.", "Change the thermostat."),
        (
            p(ROOM, "room", "zone"),
            p("temperature", "temperature", "target", "degrees"),
            p(MODE, "mode", "hvac_mode", required=False),
        ),
        (
            "Set the thermostat {args}.",
            "Make it warmer: temperature {args}.",
            "Change the heating {args}.",
            "Adjust the temperature {args}.",
        ),
    ),
    Blueprint(
        "message",
        ("send_message", "text_person", "notify_contact"),
        ("Send a short text message to someone.", "Message a contact."),
        (
            p("person", "recipient", "to", "contact_name"),
            p("text", "text", "message", "body"),
            p(
                boolean("mark as urgent", ("marked urgent",), ("not urgent",)),
                "urgent",
                "priority_flag",
                required=False,
            ),
        ),
        ("Send a message to {args}.", "Text {args}.", "Message {args}.", "Drop a note to {args}."),
    ),
    Blueprint(
        "invoice",
        ("create_invoice", "bill_client", "new_invoice"),
        ("Create an invoice for a client.", "Bill a customer."),
        (
            p("company", "client", "customer", "bill_to"),
            p("amount", "amount", "total", "sum"),
            p(CURRENCY, "currency", "ccy"),
        ),
        ("Invoice {args}.", "Create an invoice for {args}.", "Bill {args}.", "Send a bill to {args}."),
    ),
    Blueprint(
        "meeting",
        ("schedule_meeting", "book_meeting", "calendar_add"),
        ("Put a meeting in the calendar.", "Schedule a meeting with people."),
        (
            p("date", "date", "day"),
            p("minutes", "duration_minutes", "length", "duration"),
            p("names", "attendees", "participants", "invitees"),
        ),
        (
            "Schedule a meeting {args}.",
            "Set up a call {args}.",
            "Book a meeting {args}.",
            "Put a meeting in my calendar {args}.",
        ),
    ),
    Blueprint(
        "fx",
        ("convert_currency", "exchange_money", "fx_convert"),
        ("Convert an amount between currencies.", "Currency exchange at today's rate."),
        (
            p("amount", "amount", "value", "sum", say=("{v}",)),
            p(CURRENCY, "from_currency", "source", "base", say=("{v}",)),
            p(TARGET_CURRENCY, "to_currency", "target", "quote"),
        ),
        ("Convert {args}.", "How much is {args}?", "Exchange {args}.", "Change {args}."),
        read_only=True,
        ordered=True,
    ),
    Blueprint(
        "workout",
        ("log_workout", "record_exercise", "add_activity"),
        ("Log a workout in the fitness diary.", "Record exercise."),
        (
            p(ACTIVITY, "activity", "sport", "type"),
            p("minutes", "minutes", "duration", "time_min"),
            p("distance", "distance_km", "km", required=False),
        ),
        ("Log {args}.", "Record {args} in my fitness diary.", "Add {args} to my workouts.", "Track {args} for me."),
    ),
    Blueprint(
        "parcel",
        ("ship_parcel", "send_package", "create_shipment"),
        ("Ship a parcel.", "Create a shipment to an address."),
        (
            p("weight", "weight_kg", "weight", "kg"),
            p("address", "address", "destination", "ship_to"),
            p(
                boolean("next-day delivery", ("express",), ("standard delivery",)),
                "express",
                "next_day",
                required=False,
            ),
        ),
        ("Ship a parcel {args}.", "Send a package {args}.", "Post a box {args}.", "Create a shipment {args}."),
    ),
    Blueprint(
        "leave",
        ("request_leave", "book_time_off", "leave_request"),
        ("Request time off work.", "Ask for leave."),
        (
            p("start_date", "start_date", "first_day", "from_date"),
            p("days", "days", "length", "duration_days"),
            p(LEAVE, "leave_type", "type", "kind"),
        ),
        ("Request leave {args}.", "I want time off {args}.", "Book time off {args}.", "Put in a leave request {args}."),
    ),
    Blueprint(
        "contact",
        ("add_contact", "save_contact", "new_contact"),
        ("Save someone in the address book.", "Add a contact."),
        (
            p("person", "name", "full_name", "contact"),
            p("email", "email", "mail", "address"),
            p("company", "company", "organisation", required=False, say=("from {v}", "who works at {v}")),
        ),
        (
            "Add a contact: {args}.",
            "Save {args} in my address book.",
            "New contact {args}.",
            "Store the contact {args}.",
        ),
    ),
    Blueprint(
        "music",
        ("play_playlist", "start_music", "play_music"),
        ("Play a playlist on the speakers.", "Start music."),
        (
            p("word", "playlist", "list", "playlist_name"),
            p(boolean("random order", ("shuffled",), ("in order",)), "shuffle", "random", required=False),
            p("percent", "volume", "level", required=False),
        ),
        (
            "Play the playlist {args}.",
            "Put on music {args}.",
            "Start the playlist {args}.",
            "I want to hear the playlist {args}.",
        ),
    ),
    Blueprint(
        "stock",
        ("get_stock_price", "quote", "stock_lookup"),
        ("Latest share price.", "Look up a stock quote."),
        (p(SYMBOL, "symbol", "ticker", "stock"),),
        ("What's {args} trading at?", "Get the share price of {args}.", "Quote {args}.", "Look up the stock {args}."),
        read_only=True,
    ),
    Blueprint(
        "car",
        ("rent_car", "book_rental_car", "car_hire"),
        ("Rent a car.", "Book a rental car in a city."),
        (
            p("city", "city", "pickup_city", "location", say=("in {v}",)),
            p("start_date", "pickup_date", "start", "from_day"),
            p("days", "days", "rental_days", "duration"),
            p(CAR, "car_type", "category", "class"),
        ),
        ("Rent {args}.", "Book {args} as a rental car.", "I need to hire {args}.", "Reserve {args} for me."),
    ),
    Blueprint(
        "sprinkler",
        ("water_garden", "start_sprinkler", "irrigate"),
        ("Run the garden sprinklers.", "Water a garden zone."),
        (p(ZONE, "zone", "area", "section"), p("minutes", "minutes", "duration", "run_time")),
        (
            "Water the garden {args}.",
            "Run the sprinklers {args}.",
            "Start watering {args}.",
            "Turn on irrigation {args}.",
        ),
    ),
    Blueprint(
        "event",
        ("register_event", "event_signup", "book_event"),
        ("Register someone for an event.", "Sign up for an event."),
        (
            p("word", "event", "event_name", "session"),
            p("contact", "attendee", "participant", "who"),
            p(DIET, "diet", "meal", required=False),
        ),
        (
            "Register for the event {args}.",
            "Sign me up for the event {args}.",
            "Book a place at the event {args}.",
            "Enrol in the event {args}.",
        ),
    ),
)
