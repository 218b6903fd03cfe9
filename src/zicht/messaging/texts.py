"""Invitation and reminder texts: which text a person gets, in Dutch or English, and SMS length.

Texts are chosen by rules (instruments.md §8), first match wins:
  student invitation: welcome / pre_still_open (pre-measurement), post, first_diary,
    never_started, missed_after_streak, missed_one, missed_several, rejoined,
    milestone (next diary crosses a EUR 10 multiple), streak_almost (next one starts the
    EUR 3 bonus), on_streak, default (plus two mentor-referencing variants, never for the
    control group);
  mentor invitation: mentor_kickoff (pre), mentor_post, mentor_first_weekly, mentor_weekly;
  reminders: reminder (student), mentor_reminder.
Within a rule the variant is picked by a hash of the reference, so a retry sends the same text.

SMS length: every shipped variant fits in 2 GSM-7 segments with a 12-character first name and a
60-character link (tested). Typographic quotes, dashes and ellipses are replaced by plain ones,
but names are never changed: a name such as "Zoë" or "Ayşe" forces UCS-2 (67 characters per
segment); then a shorter fallback text is sent so the message still fits in 2 segments.
"""

import hashlib
from dataclasses import dataclass, field

from zicht.messaging import rewards

MAX_SEGMENTS = 2

STUDENT, MENTOR = "student", "mentor"
INVITATION, REMINDER = "invitation", "reminder"

# --- SMS encoding --------------------------------------------------------------------------

# GSM 03.38 default alphabet (one septet each) and its extension table (escape + char = two).
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[~]|€\f")

# Punctuation that would silently switch a whole SMS to UCS-2 (and halve its length).
TRANSLITERATE = str.maketrans({
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "`": "'", "´": "'",
    "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"', "«": '"', "»": '"',
    "–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-", "•": "-",
    "…": "...", "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\t": " ",
    "\u200b": None, "\u200c": None, "\u200d": None, "\ufeff": None,
})


def gsm_safe(text: str) -> str:
    """Replace typographic punctuation by GSM-7 equivalents; letters (names!) are left alone."""
    return text.translate(TRANSLITERATE)


def sms_segments(text: str) -> tuple[str, int]:
    """Return ("GSM-7" or "UCS-2", number of SMS segments) the way handsets and providers count.

    GSM-7: 160 septets in one SMS, 153 per part when split; €, [, ], {, }, ^, ~, |, \\ take two.
    UCS-2: 70 UTF-16 units in one SMS, 67 per part; emoji take two. Pairs are never split.
    """
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text):
        encoding, single, part = "GSM-7", 160, 153
        units = [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    else:
        encoding, single, part = "UCS-2", 70, 67
        units = [len(ch.encode("utf-16-le")) // 2 for ch in text]
    if sum(units) <= single:
        return encoding, 1
    segments, used = 1, 0
    for unit in units:
        if used + unit > part:
            segments, used = segments + 1, 0
        used += unit
    return encoding, segments


# --- input and output ------------------------------------------------------------------------


@dataclass
class TextContext:
    """Everything a text may depend on. Plain data: the dispatcher fills it from its rows."""

    role: str = STUDENT  # "student" or "mentor"
    language: str = "nl"  # "nl" or "en"
    first_name: str = ""
    mentor_name: str = ""  # the student's mentor (first name); unused for the control group
    programme_name: str = ""  # the mentoring programme / organisation
    kind: str = INVITATION  # "invitation" or "reminder"
    measurement: str = "diary"  # "pre", "diary" or "post"
    history: list = field(default_factory=list)  # past diary outcomes, oldest first: True done, False missed
    earned_cents: int | None = None  # None: computed from history with zicht.messaging.rewards
    students_to_do: list = field(default_factory=list)  # mentors: first names still to do this week
    link: str = ""
    control_group: bool = False  # control students never hear about a mentor
    reference: str = ""  # the delivery's reference; picks the variant deterministically


@dataclass(frozen=True)
class Message:
    sms: str
    email_subject: str
    email_text: str
    rule: str = ""


# --- the texts -------------------------------------------------------------------------------
# Placeholders: {_name} " Sanne" or "", {_cname} ", Sanne" or "", {welcome}, {mentor}, {amount}
# (next diary's reward), {base}, {bonus}, {earned}, {reach} ("haal je de €10"), {weeks},
# {next_week}, {streak_before}, {what}, {duration}, {students}, {lists}. The link is appended.

POOLS = {
    "nl": {
        "welcome": [
            "Hoi{_name}! {welcome} Fijn dat je meedoet. We beginnen met een korte vragenlijst over jou. "
            "Daarna krijg je elke week een dagboek van 2 minuten. Stoppen kan altijd via de link.",
            "Hoi{_name}! {welcome} Vanaf nu vertel je ons elke week in 2 minuten hoe het gaat. "
            "Eerst een korte startvragenlijst. Stoppen kan altijd via de link.",
        ],
        "pre_still_open": [
            "Hoi{_name}! Je startvragenlijst staat nog open. Wil je die ook invullen? Het duurt een paar minuten.",
        ],
        "first_diary": [
            "Hoi{_name}! Vandaag krijg je je eerste dagboek. Korte vragen over je week, klaar in 2 minuten. "
            "Je verdient er {amount} mee.",
            "Hoi{_name}! Je eerste dagboek staat klaar. Vertel ons hoe je week was. "
            "Het kost 2 minuten en je krijgt er {amount} voor.",
        ],
        "never_started": [
            "Hoi{_name}, we hebben nog niets van je gehoord. Geeft niks! Je kunt deze week gewoon instappen. "
            "Het kost 2 minuten en levert {amount} op.",
            "Hoi{_name}! Nog niet begonnen met je dagboek? Dat kan nu nog steeds. 2 minuten, {amount} voor jou.",
        ],
        "missed_after_streak": [
            "Hoi{_name}, vorige week ontbrak je dagboek, na {streak_before} weken op rij. Jammer! "
            "Pak het deze week weer op, dan begin je een nieuwe reeks.",
            "Hoi{_name}! Je had een mooie reeks, maar vorige week misten we je dagboek. "
            "Doe je deze week weer mee? Je nieuwe dagboek staat klaar.",
        ],
        "missed_one": [
            "Hoi{_name}, vorige week hebben we je dagboek gemist. Geen probleem, deze week staat er weer een klaar. "
            "Het kost 2 minuten.",
            "Hoi{_name}! Lukte het vorige week niet? Geeft niks. Je dagboek van deze week staat klaar, "
            "goed voor {amount}.",
        ],
        "missed_several": [
            "Hoi{_name}, we hebben je een paar weken gemist. Hoe gaat het met je? Je dagboek van deze week "
            "staat klaar. Instappen kan altijd.",
            "Hoi{_name}! Het is even geleden. We willen graag weten hoe het met je gaat. "
            "Vul je dagboek in, 2 minuten is genoeg.",
        ],
        "rejoined": [
            "Hoi{_name}, fijn dat je vorige week weer meedeed! Ga je door? Je nieuwe dagboek staat klaar.",
            "Goed bezig{_cname}! Vorige week was je er weer bij. Ga zo door: je dagboek van deze week staat klaar.",
        ],
        "milestone": [
            "Hoi{_name}! Met je dagboek van deze week {reach}! Het kost maar 2 minuten.",
            "Bijna{_cname}! Met nog 1 dagboek {reach}. Je verdiende al {earned}.",
        ],
        "streak_almost": [
            "Hoi{_name}! Je vulde 2 weken op rij je dagboek in. Doe je het deze week weer? "
            "Dan krijg je vanaf nu {bonus} per dagboek.",
            "Twee keer op rij{_cname}! Top. Nog 1 keer en je krijgt {bonus} in plaats van {base} per dagboek. "
            "Je dagboek staat klaar.",
        ],
        "on_streak": [
            "Al {weeks} weken op rij{_cname}! Knap. Houd je reeks vast: je dagboek van deze week staat klaar.",
            "Hoi{_name}! Je zit op een reeks van {weeks} weken. Elk dagboek levert je nu {bonus} op.",
            "Hoi{_name}, je bent lekker bezig: {weeks} keer op rij! Je hebt al {earned} verdiend. "
            "Hier is je nieuwe dagboek.",
            "Sterk{_cname}, {weeks} weken achter elkaar! Ga je voor week {next_week}? 2 minuten is genoeg.",
            "Hoi{_name}! {weeks} weken op rij, dat houden niet veel mensen vol. Je dagboek staat weer klaar.",
        ],
        "default": [
            "Hoi{_name}! Je dagboek van deze week staat klaar. Hoe ging het? Het kost 2 minuten en levert {amount} op.",
            "Hoi{_name}, hoe was je week? Vertel het in je dagboek. Klaar in 2 minuten.",
            "Hoi{_name}! Tijd voor je dagboek. Even terugkijken op je week, dat duurt maar 2 minuten.",
            "Hey{_name}! Er staat een nieuw dagboek voor je klaar. Goed voor {amount}.",
            "Hoi{_name}, nieuwe week, nieuw dagboek! 2 minuten voor {amount}.",
            "Hallo{_name}! Wat ging er goed deze week, en wat niet? Je dagboek staat klaar.",
        ],
        "default_mentor": [
            "Hoi{_name}! Hoe ging het deze week, ook met {mentor}? Vertel het in je dagboek. Het kost 2 minuten.",
            "Hoi{_name}! Je dagboek staat klaar. Er staan ook vragen in over jou en {mentor}.",
        ],
        "post": [
            "Hoi{_name}! Dit is de laatste vragenlijst. Hoe kijk je terug? Bedankt dat je al die weken meedeed!",
            "Hoi{_name}, we zijn bijna klaar. Nog 1 laatste vragenlijst en dan stopt het dagboek. "
            "Dank je wel voor je hulp!",
        ],
        "reminder": [
            "Hoi{_name}, je {what} staat nog open. Heb je {duration}? Invullen kan nog even.",
            "Niet vergeten{_cname}: je {what} staat nog klaar. Het kost {duration}.",
            "Hoi{_name}! Kleine herinnering: je {what} is nog niet ingevuld. Dat kan nog even.",
        ],
        "mentor_kickoff": [
            "Hoi{_name}! {welcome} We beginnen met een korte vragenlijst over jou. Daarna krijg je elke week "
            "per student een paar vragen over je begeleiding.",
        ],
        "mentor_first_weekly": [
            "Hoi{_name}! Je eerste {lists} klaar, voor {students}. Per student kost het een paar minuten.",
        ],
        "mentor_weekly": [
            "Hoi{_name}, je {lists} klaar voor {students}.",
        ],
        "mentor_post": [
            "Hoi{_name}! Dit is de laatste vragenlijst over je begeleiding. Bedankt voor je inzet al die weken!",
        ],
        "mentor_reminder": [
            "Hoi{_name}, nog open: je weekvragenlijst voor {students}. Invullen kan nog even.",
        ],
    },
    "en": {
        "welcome": [
            "Hi{_name}! {welcome} Great that you are taking part. We start with a short questionnaire about you. "
            "After that you get a 2-minute diary every week. You can stop any time via the link.",
            "Hi{_name}! {welcome} From now on you tell us every week in 2 minutes how things are going. "
            "First a short starting questionnaire. You can stop any time via the link.",
        ],
        "pre_still_open": [
            "Hi{_name}! Your starting questionnaire is still open. Could you fill it in too? It takes a few minutes.",
        ],
        "first_diary": [
            "Hi{_name}! Today you get your first diary. Short questions about your week, done in 2 minutes. "
            "You earn {amount}.",
            "Hi{_name}! Your first diary is ready. Tell us how your week went. "
            "It takes 2 minutes and you get {amount} for it.",
        ],
        "never_started": [
            "Hi{_name}, we have not heard from you yet. No problem! You can simply join in this week. "
            "It takes 2 minutes and earns you {amount}.",
            "Hi{_name}! Not started your diary yet? You still can. 2 minutes, {amount} for you.",
        ],
        "missed_after_streak": [
            "Hi{_name}, last week your diary was missing, after {streak_before} weeks in a row. Too bad! "
            "Pick it up again this week and start a new streak.",
            "Hi{_name}! You had a great streak, but we missed your diary last week. "
            "Will you join in again this week? Your new diary is ready.",
        ],
        "missed_one": [
            "Hi{_name}, we missed your diary last week. No problem, a new one is ready for this week. "
            "It takes 2 minutes.",
            "Hi{_name}! Did it not work out last week? That's fine. This week's diary is ready, worth {amount}.",
        ],
        "missed_several": [
            "Hi{_name}, we have missed you for a few weeks. How are you doing? This week's diary is ready. "
            "You can join in again any time.",
            "Hi{_name}! It has been a while. We would like to know how you are doing. "
            "Fill in your diary, 2 minutes is enough.",
        ],
        "rejoined": [
            "Hi{_name}, great that you joined in again last week! Will you keep going? Your new diary is ready.",
            "Well done{_cname}! You were back last week. Keep it up: this week's diary is ready.",
        ],
        "milestone": [
            "Hi{_name}! With this week's diary {reach}! It only takes 2 minutes.",
            "Almost there{_cname}! One more diary and {reach}. You have earned {earned} so far.",
        ],
        "streak_almost": [
            "Hi{_name}! You filled in your diary 2 weeks in a row. Will you do it again this week? "
            "Then you get {bonus} per diary from now on.",
            "Twice in a row{_cname}! Great. One more and you get {bonus} instead of {base} per diary. "
            "Your diary is ready.",
        ],
        "on_streak": [
            "{weeks} weeks in a row{_cname}! Impressive. Keep your streak going: this week's diary is ready.",
            "Hi{_name}! You are on a streak of {weeks} weeks. Every diary now earns you {bonus}.",
            "Hi{_name}, you are doing well: {weeks} times in a row! You have already earned {earned}. "
            "Here is your new diary.",
            "Nice work{_cname}: {weeks} weeks in a row! Going for week {next_week}? 2 minutes is enough.",
            "Hi{_name}! {weeks} weeks in a row, not many people keep that up. Your diary is ready again.",
        ],
        "default": [
            "Hi{_name}! This week's diary is ready. How did it go? It takes 2 minutes and earns you {amount}.",
            "Hi{_name}, how was your week? Tell us in your diary. Done in 2 minutes.",
            "Hi{_name}! Time for your diary. A quick look back at your week, it only takes 2 minutes.",
            "Hey{_name}! A new diary is waiting for you. Worth {amount}.",
            "Hi{_name}, new week, new diary! 2 minutes for {amount}.",
            "Hello{_name}! What went well this week, and what did not? Your diary is ready.",
        ],
        "default_mentor": [
            "Hi{_name}! How did this week go, also with {mentor}? Tell us in your diary. It takes 2 minutes.",
            "Hi{_name}! Your diary is ready. It also asks about you and {mentor}.",
        ],
        "post": [
            "Hi{_name}! This is the last questionnaire. Looking back, how did it go? Thanks for taking part all these weeks!",
            "Hi{_name}, we are almost done. One last questionnaire and then the diary stops. Thank you for your help!",
        ],
        "reminder": [
            "Hi{_name}, your {what} is still open. Do you have {duration}? There is still time to fill it in.",
            "Don't forget{_cname}: your {what} is still waiting. It takes {duration}.",
            "Hi{_name}! A small reminder: you have not filled in your {what} yet. There is still time.",
        ],
        "mentor_kickoff": [
            "Hi{_name}! {welcome} We start with a short questionnaire about you. After that you get a few "
            "questions per student every week about your support.",
        ],
        "mentor_first_weekly": [
            "Hi{_name}! Your first weekly {lists} ready, for {students}. It takes a few minutes per student.",
        ],
        "mentor_weekly": [
            "Hi{_name}, your weekly {lists} ready for {students}.",
        ],
        "mentor_post": [
            "Hi{_name}! This is the last questionnaire about your support. Thank you for your effort all these weeks!",
        ],
        "mentor_reminder": [
            "Hi{_name}, still open: your weekly questionnaire for {students}. There is still time to fill it in.",
        ],
    },
}

# Short texts used when a long name, a UCS-2 name or a long link would need a third segment.
SHORT = {
    "nl": {INVITATION: "Hoi{_name}! Je {what} staat klaar:", REMINDER: "Hoi{_name}! Je {what} staat nog open:"},
    "en": {INVITATION: "Hi{_name}! Your {what} is ready:", REMINDER: "Hi{_name}! Your {what} is still open:"},
}

SUBJECTS = {
    "nl": {
        "welcome": "Welkom! Je eerste vragenlijst staat klaar",
        "pre_still_open": "Je startvragenlijst staat nog open",
        "first_diary": "Je eerste dagboek staat klaar",
        "never_started": "Je dagboek van deze week staat klaar",
        "missed_after_streak": "Begin een nieuwe reeks",
        "missed_one": "Je dagboek van deze week staat klaar",
        "missed_several": "Hoe gaat het met je?",
        "rejoined": "Fijn dat je er weer bij bent",
        "milestone": "Deze week {reach}",
        "streak_almost": "Nog 1 keer en je krijgt {bonus} per dagboek",
        "on_streak": "Al {weeks} weken op rij!",
        "default": "Je dagboek van deze week staat klaar",
        "post": "Je laatste vragenlijst",
        "reminder": "Herinnering: je {what} staat nog open",
        "mentor_kickoff": "Welkom! Je eerste vragenlijst staat klaar",
        "mentor_first_weekly": "Je eerste weekvragenlijsten staan klaar",
        "mentor_weekly": "Je weekvragenlijsten staan klaar",
        "mentor_post": "Je laatste vragenlijst",
        "mentor_reminder": "Herinnering: je weekvragenlijsten staan nog open",
    },
    "en": {
        "welcome": "Welcome! Your first questionnaire is ready",
        "pre_still_open": "Your starting questionnaire is still open",
        "first_diary": "Your first diary is ready",
        "never_started": "This week's diary is ready",
        "missed_after_streak": "Start a new streak",
        "missed_one": "This week's diary is ready",
        "missed_several": "How are you doing?",
        "rejoined": "Great to have you back",
        "milestone": "This week {reach}",
        "streak_almost": "One more time and you get {bonus} per diary",
        "on_streak": "{weeks} weeks in a row!",
        "default": "This week's diary is ready",
        "post": "Your last questionnaire",
        "reminder": "Reminder: your {what} is still open",
        "mentor_kickoff": "Welcome! Your first questionnaire is ready",
        "mentor_first_weekly": "Your first weekly questionnaires are ready",
        "mentor_weekly": "Your weekly questionnaires are ready",
        "mentor_post": "Your last questionnaire",
        "mentor_reminder": "Reminder: your weekly questionnaires are still open",
    },
}

FOOTERS = {
    "nl": {
        STUDENT: "Je krijgt dit bericht omdat je meedoet aan {programme}. Geen berichten meer, "
        "of even pauzeren? Dat regel je via de link.",
        MENTOR: "Je krijgt dit bericht omdat je als begeleider meedoet aan {programme}.",
    },
    "en": {
        STUDENT: "You get this message because you take part in {programme}. No more messages, "
        "or a break? You can arrange that via the link.",
        MENTOR: "You get this message because you take part in {programme} as a mentor.",
    },
}

WORDS = {
    "nl": {
        "what": {"pre": "startvragenlijst", "diary": "dagboek", "post": "laatste vragenlijst", MENTOR: "vragenlijst"},
        "duration": {"diary": "2 minuten", "other": "een paar minuten"},
        "welcome": ("Welkom bij {programme}!", "Welkom!"),
        "lists": ("weekvragenlijst staat", "weekvragenlijsten staan"),
        "and": "en",
        "others": ("andere", "anderen"),
        "students": ("student", "studenten"),
        "your_students": "je studenten",
        "reach": ("haal je de {milestone}", "kom je boven de {milestone}"),
    },
    "en": {
        "what": {"pre": "starting questionnaire", "diary": "diary", "post": "final questionnaire",
                 MENTOR: "questionnaire"},
        "duration": {"diary": "2 minutes", "other": "a few minutes"},
        "welcome": ("Welcome to {programme}!", "Welcome!"),
        "lists": ("questionnaire is", "questionnaires are"),
        "and": "and",
        "others": ("other", "others"),
        "students": ("student", "students"),
        "your_students": "your students",
        "reach": ("you reach {milestone}", "you go past {milestone}"),
    },
}

MENTOR_RULES = ("mentor_kickoff", "mentor_first_weekly", "mentor_weekly", "mentor_post", "mentor_reminder")


# --- choosing ----------------------------------------------------------------------------------


def choose_rule(ctx: TextContext) -> str:
    """The rule (pool name) that applies, in the priority order of instruments.md §8."""
    if ctx.role == MENTOR:
        if ctx.kind == REMINDER:
            return "mentor_reminder"
        if ctx.measurement == "pre":
            return "mentor_kickoff"
        if ctx.measurement == "post":
            return "mentor_post"
        return "mentor_weekly" if _past(ctx) else "mentor_first_weekly"
    if ctx.kind == REMINDER:
        return "reminder"
    if ctx.measurement == "pre":
        return "pre_still_open" if any(outcome is True for outcome in ctx.history) else "welcome"
    if ctx.measurement == "post":
        return "post"
    past = _past(ctx)
    if not past:
        return "first_diary"
    if past[-1] is False:
        missed = len(past) - len(_strip_trailing(past, False))
        if missed == len(past) and missed >= 2:
            return "never_started"
        if missed == 1 and rewards.current_streak(past[:-1]) >= 3:
            return "missed_after_streak"
        return "missed_one" if missed == 1 else "missed_several"
    if len(past) >= 2 and past[-2] is False:
        return "rejoined"
    earned = _earned(ctx)
    if (earned + rewards.next_reward_cents(past)) // 1000 > earned // 1000:
        return "milestone"
    streak = rewards.current_streak(past)
    if streak == 2:
        return "streak_almost"
    if streak >= 3:
        return "on_streak"
    return "default"


def pool(ctx: TextContext, rule: str) -> list[str]:
    """The variants for a rule; the mentor-referencing ones join the default pool only when allowed."""
    texts = POOLS[_language(ctx)]
    variants = list(texts[rule])
    if rule == "default" and ctx.mentor_name.strip() and not ctx.control_group and ctx.role == STUDENT:
        variants += texts["default_mentor"]
    return variants


def compose(ctx: TextContext) -> Message:
    """The SMS, e-mail subject and e-mail text for one invitation or reminder."""
    rule = choose_rule(ctx)
    variants = pool(ctx, rule)
    index = _variant_index(rule, ctx.reference, len(variants))
    return _render(ctx, rule, variants[index])


def render_variant(ctx: TextContext, rule: str, index: int) -> Message:
    """Render one specific variant (for tests and for previewing every text in the admin)."""
    return _render(ctx, rule, pool(ctx, rule)[index])


def _render(ctx, rule, template):
    language = _language(ctx)
    values = _values(ctx)
    text = _format(template, values)
    sms = _fit_sms(ctx, template, values)
    subject = _format(SUBJECTS[language][rule], values)
    role = MENTOR if ctx.role == MENTOR else STUDENT
    footer = FOOTERS[language][role].format(programme=_clean(ctx.programme_name) or "zicht")
    email_text = "\n\n".join(part for part in (text, ctx.link, footer) if part) + "\n"
    return Message(sms=sms, email_subject=subject, email_text=email_text, rule=rule)


def _fit_sms(ctx, template, values):
    """First candidate that fits in MAX_SEGMENTS: the variant, fewer student names, short texts."""
    if ctx.role == MENTOR and values["_shown"]:
        candidates = [(template, _with_students(values, ctx, k)) for k in range(values["_shown"], -1, -1)]
    else:
        candidates = [(template, values)]
    short = SHORT[_language(ctx)][REMINDER if ctx.kind == REMINDER else INVITATION]
    candidates += [(short, values), (short, dict(values, _name=""))]
    for candidate_template, candidate_values in candidates:
        sms = _sms(_format(candidate_template, candidate_values), ctx.link)
        if sms_segments(sms)[1] <= MAX_SEGMENTS:
            return sms
    return sms  # even the shortest text is too long (a very long link): send it anyway


def _sms(text, link):
    return gsm_safe(f"{text} {link}" if link else text)


def _format(template, values):
    return template.format(**values)


def _values(ctx):
    language = _language(ctx)
    words = WORDS[language]
    name = _clean(ctx.first_name)
    programme = _clean(ctx.programme_name)
    past = _past(ctx)
    earned = _earned(ctx)
    amount = rewards.next_reward_cents(past)
    streak = rewards.current_streak(past)
    new_total = earned + amount  # after completing the next diary
    if ctx.role == MENTOR:
        what = words["what"][MENTOR]
    else:
        what = words["what"].get(ctx.measurement, words["what"]["diary"])
    values = {
        "_name": f" {name}" if name else "",
        "_cname": f", {name}" if name else "",
        "welcome": words["welcome"][0].format(programme=programme) if programme else words["welcome"][1],
        "mentor": _clean(ctx.mentor_name),
        "amount": rewards.format_euros(amount, language),
        "base": rewards.format_euros(rewards.BASE_CENTS, language),
        "bonus": rewards.format_euros(rewards.BONUS_CENTS, language),
        "earned": rewards.format_euros(earned, language),
        "new_total": rewards.format_euros(new_total, language),
        "reach": words["reach"][new_total % 1000 != 0].format(
            milestone=rewards.format_euros(new_total // 1000 * 1000, language)
        ),
        "weeks": streak,
        "next_week": streak + 1,
        "streak_before": rewards.current_streak(past[:-1]),
        "what": what,
        "duration": words["duration"]["diary" if ctx.measurement == "diary" else "other"],
    }
    names = [_clean(n) for n in ctx.students_to_do if _clean(n)]
    shown = len(names) if len(names) <= 3 else 2
    values["_shown"] = shown
    return _with_students(values, ctx, shown)


def _with_students(values, ctx, shown):
    words = WORDS[_language(ctx)]
    names = [_clean(n) for n in ctx.students_to_do if _clean(n)]
    rest = len(names) - shown
    if not names:
        students = words["your_students"]
    elif shown == 0:
        students = f"{len(names)} {words['students'][len(names) != 1]}"
    elif rest == 0:
        students = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {words['and']} {names[-1]}"
    else:
        students = f"{', '.join(names[:shown])} {words['and']} {rest} {words['others'][rest != 1]}"
    lists = words["lists"][len(names) != 1]
    return dict(values, students=students, lists=lists)


def _variant_index(rule, reference, count):
    digest = hashlib.sha256(f"{rule}|{reference}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % count


def _language(ctx):
    return ctx.language if ctx.language in POOLS else "nl"


def _clean(text):
    return " ".join((text or "").split())


def _past(ctx):
    return [outcome for outcome in ctx.history if outcome is not None]


def _earned(ctx):
    return rewards.total_cents(ctx.history) if ctx.earned_cents is None else int(ctx.earned_cents)


def _strip_trailing(items, value):
    items = list(items)
    while items and items[-1] is value:
        items.pop()
    return items
