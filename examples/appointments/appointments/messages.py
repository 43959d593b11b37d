"""What the appointment bot says (en_US). Voice-friendly: short sentences, times as 15:00.

No reason ever repeats what the caller said: a reason names what was wrong and what would work,
and any day or time it mentions is one the bot computed itself.
"""

from __future__ import annotations

from bot.texts import Texts

ASK_DATE = "Which day would you like to come in? We're open Monday to Friday."
ASK_TIME = "And at what time on {day}? We're open from 9:00 to 17:00."
ASK_TIME_ANY_DAY = "And at what time? We're open from 9:00 to 17:00."
CONFIRM = "{when} — shall I book it?"
BOOKED = "You're booked for {when}. Your reference is {reference}."
DENIED = "No problem, I won't book that."
ASK_ANOTHER_DATE = "Which other day would suit you?"
DIDNT_CATCH = "Sorry, I didn't catch that."
HELP = (
    "I can book an appointment for you, Monday to Friday between 9:00 and 17:00. "
    "Try saying “book an appointment tomorrow at 10 am”."
)

# Why a day was refused (bot.forms re-asks the slot with the reason).
DATE_UNCLEAR = "Sorry, I didn't catch a day. Which day would you like? For example, tomorrow or December 5."
DATE_NOT_A_DAY = "Which day exactly? For example, tomorrow or December 5."
DATE_PAST = "That day has already passed. Which day from today onwards would suit you?"
DATE_WEEKEND = "We're closed at weekends. Could you pick a weekday, Monday to Friday?"
DATE_CLOSED = "We're closed on {holiday}. Could you pick another day?"
DATE_TOO_FAR = "I can only book up to {days} days ahead, so {latest} at the latest. Which day would you like?"

# Why a time was refused.
TIME_UNCLEAR = "Sorry, I didn't catch a time. What time would suit you? For example, 10:30 or 2 pm."
TIME_VAGUE = "Which time exactly? {period}"
TIME_CLOSED = (
    "We're open from {opens} to {closes}, and the last appointment starts at {last}. "
    "What time would suit you?"
)
TIME_NOT_ON_QUARTER = (
    "Appointments start every 15 minutes, for example {before} or {after}. Which would suit you?"
)
TIME_PASSED = "That time has already passed today. Could you pick a later time, or another day?"
PERIODS = {
    "morning": "In the morning I can offer any time from 9:00 to 11:45.",
    "afternoon": "In the afternoon I can offer any time from 12:00 to 16:45.",
    "evening": "We close at 17:00, so the latest I can offer is 16:45.",
}

TEXTS = Texts(
    bad_request=(
        "Sorry, I couldn't process that request. "
        "You can say “book an appointment” to choose a day and a time."
    ),
    hand_off=(
        "I'm sorry, I still couldn't find an {what} that works. I'll stop here rather than keep asking — "
        "our front desk can help you, or you can say “book an appointment” to start again."
    ),
)
