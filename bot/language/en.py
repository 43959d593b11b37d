"""English: the tables `bot.language` reads (data only)."""

from __future__ import annotations

from bot.language import Language

_MONTHS = (
    ("january", "jan"),
    ("february", "feb"),
    ("march", "mar"),
    ("april", "apr"),
    ("may",),
    ("june", "jun"),
    ("july", "jul"),
    ("august", "aug"),
    ("september", "sep", "sept"),
    ("october", "oct"),
    ("november", "nov"),
    ("december", "dec"),
)
_CODE_HELP = "the three digits on the back of your card"
_EXAMPLE = "month and year, like 12/27"
_WALLET = "0x followed by 40 letters a to f and digits"

LANGUAGE = Language(
    code="en",
    digits={
        "zero": "0",
        "oh": "0",
        "o": "0",
        "one": "1",
        "two": "2",
        "three": "3",
        "four": "4",
        "five": "5",
        "six": "6",
        "seven": "7",
        "eight": "8",
        "nine": "9",
    },
    repeats={"double": 2, "triple": 3},
    teens={
        "ten": 10,
        "eleven": 11,
        "twelve": 12,
        "thirteen": 13,
        "fourteen": 14,
        "fifteen": 15,
        "sixteen": 16,
        "seventeen": 17,
        "eighteen": 18,
        "nineteen": 19,
    },
    tens={
        "twenty": 20,
        "thirty": 30,
        "forty": 40,
        "fifty": 50,
        "sixty": 60,
        "seventy": 70,
        "eighty": 80,
        "ninety": 90,
    },
    thousand="thousand",
    hundreds=frozenset({"hundred"}),
    century={"nineteen": 19, "twenty": 20},
    zero_lead=frozenset({"zero", "oh", "o"}),
    months={name: number for number, names in enumerate(_MONTHS, start=1) for name in names},
    date_fillers=frozenset({"of", "the", "and"}),
    yes_words=frozenset(
        {
            "yes",
            "yeah",
            "yep",
            "yup",
            "sure",
            "ok",
            "okay",
            "correct",
            "confirm",
            "right",
            "affirmative",
            "absolutely",
            "definitely",
            "y",
        }
    ),
    yes_phrases=("yes please", "please do", "do it", "go ahead", "thats right", "sounds good", "of course"),
    no_words=frozenset({"no", "nope", "nah", "cancel", "dont", "stop", "negative", "n"}),
    no_phrases=("do not", "no thanks", "not now", "never mind"),
    code_words=(
        r"cvv2?",
        r"cvc2?",
        r"csc",
        r"cid",
        r"cvn",
        r"security\s+(?:code|number)",
        r"verification\s+(?:code|number|value)",
        r"card\s+code",
        r"code\s+on\s+the\s+back",
        r"back\s+of\s+the\s+card",
        r"code",
        r"pin",
    ),
    question_words=frozenset(
        {
            "why",
            "what",
            "whats",
            "how",
            "which",
            "who",
            "where",
            "when",
            "is",
            "are",
            "can",
            "could",
            "do",
            "does",
            "will",
            "would",
            "should",
            "may",
            "explain",
            "tell",
        }
    ),
    ordinals={
        "first": 1,
        "1st": 1,
        "second": 2,
        "2nd": 2,
        "third": 3,
        "3rd": 3,
        "fourth": 4,
        "4th": 4,
        "fifth": 5,
        "5th": 5,
        "last": -1,
        "latter": -1,
        "former": 1,
    },
    option_words=frozenset({"option", "number", "choice"}),
    commitment_claims=(
        r"\b(?:has|have|is|are|was|were)\s+(?:now\s+|been\s+|now\s+been\s+)?(?:saved|stored|charged|"
        r"confirmed|processed|completed|tokeni[sz]ed|approved|paid|registered|deleted|updated)\b",
        r"\bi(?:'ve|\s+have|\s+just|\s+already)?\s+(?:saved|stored|charged|confirmed|processed|"
        r"completed|tokeni[sz]ed|approved|registered|deleted|updated)\b",
        r"\b(?:payment|card|wallet)\s+(?:is\s+)?(?:complete|done|on\s+file|all\s+set)\b",
    ),
    stop_words=frozenset(
        [
            "a",
            "an",
            "and",
            "are",
            "as",
            "at",
            "be",
            "by",
            "can",
            "could",
            "do",
            "does",
            "for",
            "from",
            "have",
            "how",
            "i",
            "if",
            "in",
            "is",
            "it",
            "its",
            "me",
            "my",
            "of",
            "on",
            "or",
            "our",
            "so",
            "that",
            "the",
            "this",
            "to",
            "was",
            "we",
            "what",
            "whats",
            "when",
            "where",
            "which",
            "who",
            "why",
            "will",
            "with",
            "would",
            "you",
            "your",
        ]
    ),
    brand_names={
        "visa": "a Visa card number",
        "mastercard": "a Mastercard number",
        "amex": "an American Express card number",
        "discover": "a Discover card number",
        "jcb": "a JCB card number",
        "diners": "a Diners Club card number",
        "unionpay": "a UnionPay card number",
    },
    grammar={
        "digits_one": "1 digit",
        "digits_many": "{count} digits",
        "range": "{low} to {high}",
        "alternatives": "{most} or {last}",
        "count_words": "no one two three four five six seven eight nine",
        "code_heard_one": "one digit",
        "code_heard_many": "{count} digits",
        "too_many": "too many",
        "first_name": "first name",
        "last_name": "last name",
        "expired_in": " in {expiry}",
    },
    reasons={
        "card.too_long": (
            "That's much too long for a card number — please say just the digits on the front of your card."
        ),
        "card.not_digits": (
            "A card number is only digits — please say or key in just the digits on the front of your card."
        ),
        "card.empty": "I didn't catch a card number. Please say or key in the digits on the front of your card.",
        "card.luhn": "That number doesn't look right — please check it and say it again.",
        "card.unknown_brand": (
            "I don't recognize that kind of card. We accept Visa, Mastercard, American Express, "
            "Discover, JCB, Diners Club and UnionPay — please check the number and say it again."
        ),
        "card.wrong_length": "I heard {heard}; {card} has {lengths}.",
        "code.help": _CODE_HELP,
        "code.help_amex": "the four digits printed on the front of your card",
        "code.help_any": (
            "the three digits on the back of your card, or four on the front of an American Express card"
        ),
        "code.too_long": "That's much too long for a security code — please say {expected}.",
        "code.not_digits": "A security code is only digits — please say {expected}.",
        "code.empty": "I didn't catch the security code — please say {expected}.",
        "code.wrong_length": "I heard {heard}; the security code is {expected}.",
        "expiry.garbage": f"I couldn't understand that date. Please say the expiration date on the card as {_EXAMPLE}.",
        "expiry.bad_month": f"Months run from 1 to 12. Please say the expiration date on the card as {_EXAMPLE}.",
        "expiry.year_only": f"I need the month too. Please say the expiration date on the card as {_EXAMPLE}.",
        "expiry.month_only": f"I need the year too. Please say the expiration date on the card as {_EXAMPLE}.",
        "expiry.too_far": (
            "That date is more than {years} years away, which no card has. "
            f"Please check the expiration date on the card and say it as {_EXAMPLE}."
        ),
        "expiry.expired": (
            "That card expired{heard}. Please check the expiration date on the card, or use a different card."
        ),
        "name.too_long_input": "That's too long for a {what} — please say just your {what}.",
        "name.empty": "I didn't catch your {what} — please say it again.",
        "name.digits": "A {what} can't contain numbers — please say or spell your {what} using letters only.",
        "name.number": (
            "That sounds like a number, not a {what} — please say or spell your {what} using letters only."
        ),
        "name.too_long": (
            "That's longer than {max} characters — please say just your {what}, or a shorter form of it."
        ),
        "name.symbols": (
            "A {what} can only have letters, spaces, hyphens and apostrophes — "
            "please say or spell your {what} again."
        ),
        "name.no_letters": "A {what} needs at least one letter — please say or spell your {what}.",
        "wallet.too_long": f"That's too long. Please give me just the wallet address: {_WALLET}.",
        "wallet.none": f"I couldn't find a wallet address in that. An address is {_WALLET}.",
        "wallet.several": "I found more than one wallet address — please give me just the one to use.",
        "wallet.checksum": (
            "That address's capital letters don't match its checksum, so it probably has a typo. "
            "Please copy it again from your wallet."
        ),
        "wallet.wrong_length": (
            f"A wallet address is {_WALLET}; that one has {{count}}. Please check it and try again."
        ),
    },
)
