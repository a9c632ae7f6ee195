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
    train_requests: tuple[str, ...] = ()  # more ways to ask, drawn by training only


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
        train_requests=(
            "I have to travel {args}. Book me on a flight.",
            "Flight {args}, go ahead and book it.",
            "Can we get an air ticket {args}?",
            "Arrange air travel {args}.",
            "Business trip coming up: I need a plane booking {args}.",
            "Secure me a seat on a flight {args}.",
            "Would you buy me a ticket to fly {args}?",
            "Let's book the flight {args}.",
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
        train_requests=(
            "We're eating out {args}; reserve us a table.",
            "Hold a table for us {args}.",
            "Restaurant booking {args} -- can you handle that?",
            "Book seats at a restaurant {args}.",
            "Dinner plans: table {args}.",
            "Can you sort out a reservation at the restaurant {args}?",
            "Is it possible to grab a table {args}?",
            "It's a special occasion, so book a table for us {args}.",
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
        train_requests=(
            "How's the weather looking {args}?",
            "Pull up the weather outlook {args}.",
            "Planning a trip, so I need the weather {args}.",
            "Give me the weather predictions {args}.",
            "What weather should I expect {args}?",
            "Show the upcoming weather {args}.",
            "Is it going to be sunny {args}? Check the forecast.",
            "Weather {args}?",
        ),
    ),
    Blueprint(
        "cancel",
        ("cancel_order", "order_cancel", "void_order"),
        ("Cancel a customer order.", "Cancel an order that has not shipped yet."),
        (p("order_id", "order_id", "order", "order_ref"), p(REASON, "reason", "why", required=False)),
        ("Cancel order {args}.", "Please void my order {args}.", "I want to cancel {args}.", "Scrap the order {args}."),
        train_requests=(
            "Order {args} -- cancel it.",
            "I no longer want order {args}. Call it off.",
            "Could you cancel my order {args}?",
            "Before it ships, cancel order {args}.",
            "Kill purchase order {args}.",
            "Withdraw my purchase {args}.",
            "Cancellation request for order {args}.",
            "Need to cancel something: order {args}.",
        ),
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
        train_requests=(
            "Any news on parcel {args}?",
            "Has shipment {args} arrived yet?",
            "Locate package {args}.",
            "{args} -- where is it now?",
            "I'm waiting on a delivery, {args}. What's its status?",
            "Give me the latest tracking update for {args}.",
            "Is my delivery {args} on its way?",
            "Follow up on shipment {args} and tell me where it is.",
        ),
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
        train_requests=(
            "Turn the thermostat {args}.",
            "Climate control: {args}.",
            "I'd like the thermostat set {args}.",
            "Can you get the heating set {args}?",
            "Program the thermostat {args}.",
            "New heating target {args}.",
            "Update the thermostat setting {args}.",
            "Before I get home, set the climate {args}.",
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
        train_requests=(
            "Ping {args}.",
            "I need to get in touch with {args}.",
            "Write to {args}.",
            "Fire off a text message for {args}.",
            "Could you message my contact {args}?",
            "Quick SMS for {args}.",
            "Reach out by text to {args}.",
            "Get word to {args}.",
        ),
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
        train_requests=(
            "Charge {args}.",
            "Raise an invoice against {args}.",
            "{args} needs to be invoiced.",
            "Issue an invoice to {args}.",
            "Draw up billing for {args}.",
            "Time to get paid: invoice the client {args}.",
            "Can we invoice {args}?",
            "New invoice for the customer {args}.",
        ),
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
        train_requests=(
            "Arrange a meeting {args}.",
            "Could we have a meeting {args}?",
            "I need to meet {args}.",
            "Organise a sync {args}.",
            "Send out a meeting invite {args}.",
            "Pencil in a meeting {args}.",
            "Let's meet {args}. Schedule it.",
            "Block out time for a meeting {args}.",
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
        train_requests=(
            "What's {args}?",
            "What would {args} come to?",
            "Work out {args} at today's rate.",
            "Run a currency conversion: {args}.",
            "Tell me the value of {args}.",
            "{args}: what do I get?",
            "Quick conversion, {args}.",
            "Swap {args}.",
        ),
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
        train_requests=(
            "I just did {args}. Log it.",
            "Note down {args} in my exercise log.",
            "Save {args} as today's workout.",
            "Put {args} in the training log.",
            "Can you record that I did {args}?",
            "Workout done: {args}.",
            "Enter {args} into my activity history.",
            "Add an entry for {args} to the fitness log.",
        ),
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
        train_requests=(
            "Get this parcel shipped {args}.",
            "I have a box to send {args}.",
            "Arrange delivery of a parcel {args}.",
            "Dispatch a package {args}.",
            "Can you ship something {args}?",
            "Courier a parcel {args}.",
            "Package going out {args}, set it up.",
            "There's a parcel I need delivered {args}.",
        ),
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
        train_requests=(
            "I'd like to take leave {args}.",
            "Book me off work {args}.",
            "Apply for absence {args}.",
            "I'll be out of office {args}; file it.",
            "Register my absence {args}.",
            "Submit a time-off request {args}.",
            "Can I get days off {args}?",
            "Mark me as off {args}.",
        ),
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
        train_requests=(
            "Put {args} in my contacts.",
            "Create a contact entry for {args}.",
            "Remember {args} as a contact.",
            "My phonebook needs a new entry: {args}.",
            "I met {args}. Save their details.",
            "Keep {args} on file as a contact.",
            "New person for the address book: {args}.",
            "Could you save the details of {args}?",
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
        train_requests=(
            "Queue up the playlist {args}.",
            "Play some music {args}.",
            "Let's have some tunes {args}.",
            "Fire up my playlist {args}.",
            "Blast the playlist {args} on the speakers.",
            "Music time: playlist {args}.",
            "Get the speakers going with the playlist {args}.",
            "Can you start some music {args}?",
        ),
    ),
    Blueprint(
        "stock",
        ("get_stock_price", "quote", "stock_lookup"),
        ("Latest share price.", "Look up a stock quote."),
        (p(SYMBOL, "symbol", "ticker", "stock"),),
        ("What's {args} trading at?", "Get the share price of {args}.", "Quote {args}.", "Look up the stock {args}."),
        read_only=True,
        train_requests=(
            "How is {args} stock doing today?",
            "Current price of {args} shares?",
            "I want the latest quote for {args}.",
            "Check what {args} is worth per share.",
            "Give me the market price for {args}.",
            "Pull the ticker price for {args}.",
            "I'm curious how much {args} stock costs.",
            "{args}: what's the share price right now?",
        ),
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
        train_requests=(
            "Get me {args} from the rental company.",
            "Could I get {args} as a hire car?",
            "Set me up with {args}.",
            "Arrange a rental: {args}.",
            "For my trip I'll need {args}, so book the rental.",
            "Line up {args} for the trip.",
            "Car rental -- {args}.",
            "Sort me out with {args} as a rental.",
        ),
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
        train_requests=(
            "The plants need water {args}.",
            "Give the garden a soak {args}.",
            "Switch the sprinklers on {args}.",
            "Irrigate {args}.",
            "Can you get the sprinklers going {args}?",
            "It's been dry, so water the plants {args}.",
            "Sprinklers {args}.",
            "Do a watering cycle {args}.",
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
        train_requests=(
            "Save a seat at the session {args}.",
            "Put a name down for the event {args}.",
            "Sign up an attendee for the event {args}.",
            "Registration needed for an event {args}.",
            "I'd like to attend the event {args}.",
            "Add a participant to the event {args}.",
            "Can you register a guest for an event {args}?",
            "Reserve an event ticket {args}.",
        ),
    ),
)
