"""The domains of the tool universe: entity nouns, their synonyms, a group and typed fields.

One line per domain: `key | nouns | group | id prefix | field:kind ...` (an indented
line continues the fields). The
first two fields are what creating one needs; the rest are optional. Domains
of one group are related (a package and a shipment are both tracked), which
is where near-duplicate distractors come from. Every fourth domain (index %
4 == 3) is held out for the test split. This module knows nothing of actions,
tools, MCP or tasks.
"""

from __future__ import annotations

from dataclasses import dataclass

from mcp_servers.synthetic.universe.fields import FieldKind, kind_of

HOLDOUT = 4
UNITS = {"m": "metres", "km": "km", "mg": "mg", "l": "litres"}

_TABLE = """
invoice|invoice,bill|finance|INV|customer_email:email amount:money currency:currency due_date:date paid:bool
expense|expense,expense claim|finance|EXP|amount:money category:enum(travel/meals/office/software)
    spent_on:date receipt_url:uri note:note
budget|budget,spending plan|finance|BUD|name:title limit:money period:enum(monthly/quarterly/yearly) owner:person
payment|payment,transfer|finance|PAY|payee:person amount:money currency:currency pay_on:date reference:note
subscription|subscription,plan|finance|SUB|service:company monthly_price:money renews_on:date auto_renew:bool
package|package,parcel|logistics|PKG|recipient:person address:address weight:number express:bool
shipment|shipment,consignment|logistics|SHP|destination:city pallets:count ship_date:date carrier:company
pallet|pallet,skid|logistics|PAL|warehouse:city boxes:count weight:number fragile:bool
pickup|courier pickup,collection|logistics|PCK|address:address pickup_at:datetime parcels:count contact_phone:phone
customs_form|customs form,customs declaration|logistics|CUS|declared_value:money country:city contents:note
    currency:currency
workout|workout,training session|fitness|WRK|activity:enum(run/swim/cycle/yoga/strength) minutes:minutes
    done_on:date intensity:priority
bike_ride|bike ride,cycling trip|fitness|BKE|distance_km:number ride_date:date route:title elevation_m:big
swim_session|swim session,swim|fitness|SWM|laps:count pool:city swim_date:date
    stroke:enum(freestyle/breaststroke/backstroke)
step_goal|step goal,daily step target|fitness|STP|steps:big start_date:date reminder:bool
yoga_class|yoga class,yoga session|fitness|YOG|instructor:person class_at:datetime level:level spots:count
flight|flight,plane ticket|travel|FLT|origin:city destination:city departure_date:date
    cabin:enum(economy/premium/business) passengers:count
hotel_stay|hotel stay,hotel booking|travel|HTL|city:city check_in:date nights:count guests:count breakfast:bool
car_rental|car rental,rental car|travel|CAR|pickup_city:city pickup_date:date days:count
    category:enum(compact/suv/van)
train_ticket|train ticket,rail ticket|travel|TRN|from_city:city to_city:city travel_date:date first_class:bool
itinerary|itinerary,trip plan|travel|ITN|title:title start_date:date travellers:emails notes:note
appointment|doctor's appointment,medical appointment|health|APT|doctor:person visit_at:datetime reason:note
    telehealth:bool
prescription|prescription,medication order|health|RX|medication:title dose_mg:number refills:count pharmacy:city
lab_result|lab result,test result|health|LAB|test_name:title taken_on:date patient_email:email urgent:bool
vaccination|vaccination,vaccine record|health|VAC|vaccine:title given_on:date dose_number:count clinic:city
symptom_log|symptom log,symptom entry|health|SYM|symptom:title severity:enum(mild/moderate/severe)
    noted_on:date notes:note
light_scene|light scene,lighting preset|home|LGT|room:enum(kitchen/bedroom/living_room/office)
    brightness:percent color:color
alarm|alarm,wake-up alarm|home|ALM|label:title ring_at:datetime repeat_daily:bool volume:percent
chore|chore,household task|home|CHR|title:title assignee:person due_date:date priority:priority
grocery_list|grocery list,shopping list|home|GRC|name:title items:tags store:company
plant|house plant,plant|home|PLT|species:title room:enum(kitchen/bedroom/living_room/office) water_every_days:count
meeting|meeting,sync|office|MTG|topic:title start_at:datetime minutes:minutes attendees:emails
memo|memo,internal note|office|MEM|subject:title body:note audience:enum(team/department/company) pinned:bool
room_booking|meeting room booking,room reservation|office|ROM|room_name:title start_at:datetime
    minutes:minutes people:count
desk|desk booking,hot desk|office|DSK|floor:count desk_date:date near_window:bool
visitor|visitor pass,guest badge|office|VIS|visitor_name:person visit_date:date host_email:email parking:bool
leave_request|leave request,time off|hr|LVE|start_date:date days:count type:enum(vacation/sick/parental) note:note
timesheet|timesheet,time report|hr|TMS|week_start:date hours:number project:title overtime:bool
job_opening|job opening,vacancy|hr|JOB|title:title location:city salary_max:money remote:bool
candidate|candidate,applicant|hr|CND|full_name:person email:email position:title stage:enum(screening/interview/offer)
payslip|payslip,pay stub|hr|PSL|employee_email:email month:date gross_pay:money currency:currency
lead|sales lead,prospect|sales|LEAD|company:company contact:contact source:enum(web/referral/event) score:percent
quote|price quote,quotation|sales|QTE|customer:company total:money currency:currency valid_until:date
deal|deal,opportunity|sales|DEAL|account:company value:money close_date:date
    stage:enum(prospecting/negotiation/won/lost)
sales_order|sales order,purchase order|sales|ORD|customer:company quantity:count ship_to:address rush:bool
discount_code|discount code,promo code|sales|DSC|code_name:title percent_off:percent expires_on:date single_use:bool
ticket|support ticket,help desk ticket|support|TKT|subject:title requester_email:email priority:priority tags:tags
refund|refund,money-back request|support|RFD|order_ref:code amount:money
    reason:enum(damaged/late/wrong_item/changed_mind) to_original_card:bool
warranty_claim|warranty claim,guarantee claim|support|WAR|product:title purchase_date:date serial_number:code
    photos_url:uri
return_label|return label,return shipping label|support|RTN|order_ref:code carrier:company boxes:count drop_off:bool
complaint|complaint,customer complaint|support|CMP|customer_email:email summary:note
    severity:enum(mild/moderate/severe) callback:bool
course|course,class|education|CRS|title:title start_date:date seats:count level:level
assignment|assignment,homework|education|ASG|title:title due_at:datetime max_points:count course_code:code
exam|exam,test sitting|education|EXM|subject:title exam_date:date room:title minutes:minutes
enrollment|enrollment,registration|education|ENR|student_email:email course_code:code
    term:enum(spring/summer/fall) audit:bool
lesson|private lesson,tutoring session|education|LSN|tutor:person lesson_at:datetime minutes:minutes online:bool
playlist|playlist,mix|media|PLY|name:title tags:tags public:bool
podcast_episode|podcast episode,episode|media|POD|title:title publish_at:datetime minutes:minutes explicit:bool
photo_album|photo album,album|media|ALB|name:title shared_with:emails cover_url:uri
video|video,clip|media|VID|title:title source_url:uri visibility:enum(public/unlisted/private) tags:tags
article|article,blog post|media|ART|headline:title author:person publish_on:date word_count:big
recipe|recipe,dish|food|RCP|name:title servings:count minutes:minutes vegetarian:bool
restaurant_booking|restaurant booking,table reservation|food|RST|restaurant:title party_size:count
    dine_at:datetime seating:enum(indoor/outdoor/bar)
catering_order|catering order,event catering|food|CAT|event_date:date guests:count
    menu:enum(buffet/plated/canapes) delivery_address:address
meal_plan|meal plan,weekly menu|food|MPL|week_start:date people:count diet:enum(none/vegetarian/vegan/gluten_free)
pantry_item|pantry item,stock item|food|PAN|item:title quantity:count best_before:date
    shelf:enum(fridge/freezer/cupboard)
pet|pet profile,pet|pets|PET|name:title species:enum(dog/cat/rabbit/bird) birth_date:date weight:number
vet_visit|vet visit,vet appointment|pets|VET|pet_name:title visit_at:datetime reason:note clinic:city
grooming_appointment|grooming appointment,pet grooming|pets|GRM|pet_name:title groom_at:datetime
    service:enum(bath/trim/full_groom) nails:bool
pet_sitter|pet sitter booking,pet sitting|pets|SIT|sitter:person start_date:date days:count overnight:bool
feeding_schedule|feeding schedule,feeding plan|pets|FED|pet_name:title meals_per_day:count grams_per_meal:big
    food:title
garden_bed|garden bed,planting bed|garden|GBD|name:title length_m:number crop:title sunny:bool
watering_plan|watering plan,irrigation schedule|garden|WTR|zone:enum(front/back/greenhouse) minutes:minutes
    start_date:date every_days:count
seed_order|seed order,seed purchase|garden|SED|variety:title packets:count supplier:company organic:bool
harvest|harvest log,harvest record|garden|HRV|crop:title weight:number harvested_on:date bed:title
compost_bin|compost bin,compost heap|garden|CMB|location:title volume_l:big turned_on:date
car_service|car service,car maintenance|auto|SRV|plate:code service_date:date garage:company oil_change:bool
fuel_log|fuel log,fill-up|auto|FUL|litres:number price:money filled_on:date station:company
parking_permit|parking permit,parking pass|auto|PRK|plate:code zone:title valid_from:date months:count
toll_pass|toll pass,road toll tag|auto|TOL|plate:code region:city top_up:money auto_reload:bool
tire_change|tire change,tyre swap|auto|TIR|plate:code change_date:date season:enum(summer/winter/all_season)
    garage:company
party|party,celebration|events|PTY|title:title party_date:date guests:count theme:title
concert_ticket|concert ticket,gig ticket|events|CON|artist:title show_date:date seats:count
    section:enum(floor/balcony/box)
guest_list|guest list,invite list|events|GST|event_name:title guests:emails plus_ones:bool
wedding_vendor|wedding vendor,wedding supplier|events|WED|vendor:company
    service:enum(photo/flowers/music/cake) budget:money contact:contact
conference_talk|conference talk,talk proposal|events|TLK|title:title speaker:person slot_at:datetime minutes:minutes
repository|code repository,repo|dev|REPO|name:title visibility:enum(public/private/internal) description:note
    topics:tags
deployment|deployment,release|dev|DEP|service:title environment:enum(staging/production/dev) version:code
    rollback_on_fail:bool
bug_report|bug report,bug|dev|BUG|title:title severity:enum(mild/moderate/severe) reporter_email:email labels:tags
api_key|API key,access token|dev|KEY|label:title scopes:tags expires_on:date
build_job|build job,CI build|dev|BLD|branch:title commit_url:uri run_tests:bool timeout_minutes:minutes
contract|contract,agreement|legal|CTR|counterparty:company value:money start_date:date end_date:date
nda|NDA,non-disclosure agreement|legal|NDA|party:company signer_email:email effective_on:date mutual:bool
trademark|trademark filing,trademark application|legal|TMK|mark:title owner:company filing_date:date classes:count
hearing|court hearing,hearing|legal|HRG|case_number:code hearing_at:datetime courtroom:title judge:person
legal_case|legal case,case file|legal|CAS|title:title client:person opened_on:date
    practice:enum(family/corporate/criminal/property)
property_listing|property listing,listing|realestate|LST|address:address price:money bedrooms:count furnished:bool
viewing|property viewing,house viewing|realestate|VWG|listing_ref:code view_at:datetime agent:person people:count
lease|lease,rental agreement|realestate|LSE|tenant:person monthly_rent:money start_date:date months:count
maintenance_request|maintenance request,repair request|realestate|MNT|unit:title issue:note priority:priority
    tenant_email:email
utility_bill|utility bill,energy bill|realestate|UTL|provider:company amount:money due_date:date
    utility:enum(power/gas/water/internet)
"""


@dataclass(frozen=True)
class Field:
    """A typed field of a domain: `due_date` of kind `date`."""

    name: str
    kind: FieldKind

    @property
    def label(self) -> str:
        """What a person calls it: `distance_km` -> "distance in km", `publish_at` -> "publish time"."""
        head, _, last = self.name.rpartition("_")
        if head and last in UNITS:
            return f"{head.replace('_', ' ')} in {UNITS[last]}"
        if head and last == "at":
            return f"{head.replace('_', ' ')} time"
        return self.name.replace("_", " ")


@dataclass(frozen=True)
class Domain:
    index: int
    key: str
    nouns: tuple[str, ...]
    group: str
    id_prefix: str
    fields: tuple[Field, ...]

    @property
    def noun(self) -> str:
        return self.nouns[0]

    @property
    def held_out(self) -> bool:
        return self.index % HOLDOUT == HOLDOUT - 1

    def in_split(self, split: str) -> bool:
        return self.held_out if split == "test" else not self.held_out


def _parse(index: int, line: str) -> Domain:
    try:
        key, nouns, group, prefix, fields = (part.strip() for part in line.split("|"))
        parsed = tuple(Field(n, kind_of(k)) for n, k in (f.split(":", 1) for f in fields.split()))
    except (ValueError, KeyError) as exc:
        raise ValueError(f"domains.py _TABLE line {index + 1} ({line[:40]!r}): {exc}") from exc
    return Domain(index, key, tuple(nouns.split(",")), group, prefix, parsed)


def _lines(table: str) -> list[str]:
    lines: list[str] = []
    for line in table.strip().splitlines():
        if line.startswith(" ") and lines:
            lines[-1] += line.rstrip()
        else:
            lines.append(line)
    return lines


DOMAINS: tuple[Domain, ...] = tuple(_parse(i, line) for i, line in enumerate(_lines(_TABLE)))


def split_domains(split: str) -> list[Domain]:
    return [d for d in DOMAINS if d.in_split(split)]
