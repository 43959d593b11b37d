"""Spanish (US Spanish and Spanish everywhere): the tables `bot.language` reads (data only).
Words are stored without accents (`bot.language.fold`): "dieciséis" and "dieciseis" both match."""

from __future__ import annotations

from bot.language import Language

_MONTHS = (
    ("enero", "ene"),
    ("febrero", "feb"),
    ("marzo", "mar"),
    ("abril", "abr"),
    ("mayo", "may"),
    ("junio", "jun"),
    ("julio", "jul"),
    ("agosto", "ago"),
    ("septiembre", "setiembre", "sep", "sept", "set"),
    ("octubre", "oct"),
    ("noviembre", "nov"),
    ("diciembre", "dic"),
)
_EXAMPLE = "mes y año, por ejemplo 12/27"
_WALLET = "0x seguido de 40 letras de la a a la f y dígitos"

LANGUAGE = Language(
    code="es",
    digits={
        "cero": "0",
        "uno": "1",
        "un": "1",
        "una": "1",
        "dos": "2",
        "tres": "3",
        "cuatro": "4",
        "cinco": "5",
        "seis": "6",
        "siete": "7",
        "ocho": "8",
        "nueve": "9",
    },
    repeats={"doble": 2, "triple": 3},
    teens={
        "diez": 10,
        "once": 11,
        "doce": 12,
        "trece": 13,
        "catorce": 14,
        "quince": 15,
        "dieciseis": 16,
        "diecisiete": 17,
        "dieciocho": 18,
        "diecinueve": 19,
    },
    tens={
        "veinte": 20,
        "treinta": 30,
        "cuarenta": 40,
        "cincuenta": 50,
        "sesenta": 60,
        "setenta": 70,
        "ochenta": 80,
        "noventa": 90,
    },
    compounds={
        "veintiuno": 21,
        "veintiun": 21,
        "veintidos": 22,
        "veintitres": 23,
        "veinticuatro": 24,
        "veinticinco": 25,
        "veintiseis": 26,
        "veintisiete": 27,
        "veintiocho": 28,
        "veintinueve": 29,
    },
    tens_joiner="y",
    thousand="mil",
    hundreds=frozenset({"cien", "ciento", "cientos"}),
    zero_lead=frozenset({"cero"}),
    months={name: number for number, names in enumerate(_MONTHS, start=1) for name in names},
    date_fillers=frozenset({"de", "del", "el", "y", "en"}),
    yes_words=frozenset(
        {"si", "claro", "vale", "correcto", "exacto", "afirmativo", "dale", "ok", "okay", "bueno", "perfecto"}
    ),
    yes_phrases=("por supuesto", "de acuerdo", "esta bien", "eso es", "asi es", "hazlo", "adelante"),
    no_words=frozenset({"no", "nel", "cancela", "cancelar", "negativo", "nunca", "para"}),
    no_phrases=("no gracias", "todavia no", "mejor no", "olvidalo", "dejalo"),
    code_words=(
        r"c[oó]digo\s+de\s+seguridad",
        r"c[oó]digo\s+de\s+verificaci[oó]n",
        r"c[oó]digo\s+de\s+atr[aá]s",
        r"c[oó]digo",
        r"clave",
    ),
    question_words=frozenset(
        {
            "por",
            "porque",
            "que",
            "como",
            "cual",
            "cuales",
            "quien",
            "donde",
            "cuando",
            "cuanto",
            "es",
            "son",
            "puedo",
            "puede",
            "pueden",
            "necesitan",
            "necesita",
            "hay",
            "explique",
        }
    ),
    ordinals={
        "primero": 1,
        "primera": 1,
        "primer": 1,
        "1o": 1,
        "1a": 1,
        "segundo": 2,
        "segunda": 2,
        "2o": 2,
        "2a": 2,
        "tercero": 3,
        "tercera": 3,
        "tercer": 3,
        "3o": 3,
        "3a": 3,
        "cuarto": 4,
        "cuarta": 4,
        "quinto": 5,
        "quinta": 5,
        "ultimo": -1,
        "ultima": -1,
    },
    option_words=frozenset({"opcion", "numero"}),
    commitment_claims=(
        r"\b(?:ha|han|he|hemos|fue|fueron|esta|estan|quedo|quedaron)\s+(?:sido\s+|ya\s+)?"
        r"(?:guardad|almacenad|cobrad|confirmad|procesad|completad|registrad|aprobad|pagad|"
        r"eliminad|borrad|actualizad)[oa]s?\b",
        r"\b(?:ya\s+)?(?:guarde|cobre|confirme|procese|registre|elimine|borre|actualice)\b",
        r"\b(?:pago|tarjeta|billetera)\s+(?:esta\s+)?(?:completad[oa]|list[oa]|registrad[oa])\b",
    ),
    stop_words=frozenset(
        [
            "a",
            "al",
            "con",
            "de",
            "del",
            "el",
            "en",
            "es",
            "esa",
            "ese",
            "esta",
            "este",
            "la",
            "las",
            "lo",
            "los",
            "me",
            "mi",
            "mis",
            "para",
            "por",
            "que",
            "se",
            "su",
            "sus",
            "un",
            "una",
            "y",
            "o",
            "yo",
            "usted",
            "ustedes",
            "le",
            "les",
            "necesito",
            "necesitan",
            "necesita",
        ]
    ),
    brand_names={
        "visa": "una tarjeta Visa",
        "mastercard": "una tarjeta Mastercard",
        "amex": "una tarjeta American Express",
        "discover": "una tarjeta Discover",
        "jcb": "una tarjeta JCB",
        "diners": "una tarjeta Diners Club",
        "unionpay": "una tarjeta UnionPay",
    },
    grammar={
        "digits_one": "1 dígito",
        "digits_many": "{count} dígitos",
        "range": "de {low} a {high}",
        "alternatives": "{most} o {last}",
        "count_words": "ningún un dos tres cuatro cinco seis siete ocho nueve",
        "code_heard_one": "un dígito",
        "code_heard_many": "{count} dígitos",
        "too_many": "demasiados",
        "first_name": "nombre",
        "last_name": "apellido",
        "expired_in": " en {expiry}",
    },
    reasons={
        "card.too_long": (
            "Eso es demasiado largo para un número de tarjeta. Diga solo los dígitos del frente de su tarjeta."
        ),
        "card.not_digits": (
            "Un número de tarjeta lleva solo dígitos. Diga o marque solo los dígitos del frente de su tarjeta."
        ),
        "card.empty": "No escuché un número de tarjeta. Diga o marque los dígitos del frente de su tarjeta.",
        "card.luhn": "Ese número no parece correcto. Revíselo y dígalo de nuevo, por favor.",
        "card.unknown_brand": (
            "No reconozco ese tipo de tarjeta. Aceptamos Visa, Mastercard, American Express, "
            "Discover, JCB, Diners Club y UnionPay. Revise el número y dígalo de nuevo."
        ),
        "card.wrong_length": "Escuché {heard}; {card} tiene {lengths}.",
        "code.help": "los tres dígitos del reverso de su tarjeta",
        "code.help_amex": "los cuatro dígitos impresos en el frente de su tarjeta",
        "code.help_any": (
            "los tres dígitos del reverso de su tarjeta, o los cuatro del frente de una American Express"
        ),
        "code.too_long": "Eso es demasiado largo para un código de seguridad. Diga {expected}.",
        "code.not_digits": "El código de seguridad lleva solo dígitos. Diga {expected}.",
        "code.empty": "No escuché el código de seguridad. Diga {expected}.",
        "code.wrong_length": "Escuché {heard}; el código de seguridad son {expected}.",
        "expiry.garbage": f"No entendí esa fecha. Diga la fecha de vencimiento de la tarjeta: {_EXAMPLE}.",
        "expiry.bad_month": f"Los meses van del 1 al 12. Diga la fecha de vencimiento de la tarjeta: {_EXAMPLE}.",
        "expiry.year_only": f"También necesito el mes. Diga la fecha de vencimiento de la tarjeta: {_EXAMPLE}.",
        "expiry.month_only": f"También necesito el año. Diga la fecha de vencimiento de la tarjeta: {_EXAMPLE}.",
        "expiry.too_far": (
            "Esa fecha está a más de {years} años, y ninguna tarjeta dura tanto. "
            f"Revise la fecha de vencimiento de la tarjeta y dígala así: {_EXAMPLE}."
        ),
        "expiry.expired": (
            "Esa tarjeta venció{heard}. Revise la fecha de vencimiento de la tarjeta o use otra tarjeta."
        ),
        "name.too_long_input": "Eso es demasiado largo para un {what}. Diga solo su {what}.",
        "name.empty": "No escuché su {what}. Dígalo de nuevo, por favor.",
        "name.digits": "Un {what} no puede tener números. Diga o deletree su {what} solo con letras.",
        "name.number": "Eso suena a un número, no a un {what}. Diga o deletree su {what} solo con letras.",
        "name.too_long": "Eso tiene más de {max} caracteres. Diga solo su {what}, o una forma más corta.",
        "name.symbols": (
            "Un {what} solo puede tener letras, espacios, guiones y apóstrofos. Diga o deletree su {what} otra vez."
        ),
        "name.no_letters": "Un {what} necesita al menos una letra. Diga o deletree su {what}.",
        "wallet.too_long": f"Eso es demasiado largo. Deme solo la dirección de la billetera: {_WALLET}.",
        "wallet.none": f"No encontré una dirección de billetera en eso. Una dirección es {_WALLET}.",
        "wallet.several": "Encontré más de una dirección de billetera. Deme solo la que debo usar.",
        "wallet.checksum": (
            "Las mayúsculas de esa dirección no coinciden con su suma de verificación; "
            "probablemente tiene un error. Cópiela de nuevo desde su billetera."
        ),
        "wallet.wrong_length": (
            f"Una dirección de billetera es {_WALLET}; esa tiene {{count}}. Revísela e inténtelo de nuevo."
        ),
    },
)
