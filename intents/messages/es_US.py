"""Lo que dice el bot en español (EE. UU.). Frases cortas, de trato formal (usted)."""

from __future__ import annotations

from typing import Any

from bot.speech import Phrase

_ASK_WALLET = "¿Cuál es la dirección de su billetera? Empieza con 0x, seguido de 40 letras y dígitos."
_HAND_OFF = (
    "Lo siento, todavía no pude obtener {what}. Me detengo aquí para no seguir preguntando — "
    "una persona de nuestro equipo puede ayudarle, o puede decir “hacer un pago” para empezar de nuevo."
)

MESSAGES: dict[str, Any] = {
    "sure_first_name": "Claro. ¿Cuál es el nombre del titular de la tarjeta?",
    "ask_first_name": "¿Cuál es el nombre del titular de la tarjeta?",
    "ask_last_name": "Gracias, {first_name}. ¿Y el apellido del titular?",
    "thanks": "Gracias, {first_name}.",
    "ask_card_number": Phrase(
        text="¿Cuál es el número de la tarjeta?",
        voice="¿Cuál es el número de la tarjeta? Puede decir los dígitos, o marcarlos y oprimir numeral.",
    ),
    "ask_expiry": Phrase(
        text="¿Y la fecha de vencimiento? Por ejemplo, 12/27.",
        voice="¿Y la fecha de vencimiento, mes y año? Por ejemplo, diciembre de 2027.",
    ),
    "ask_security_code": Phrase(
        text="Por último: el código de seguridad de 3 dígitos del reverso de la tarjeta.",
        voice="Por último: el código de seguridad de tres dígitos del reverso de la tarjeta. Puede decirlo o marcarlo.",
    ),
    "ask_security_code_amex": Phrase(
        text="Por último: el código de seguridad de 4 dígitos del frente de la tarjeta.",
        voice="Por último: el código de seguridad de cuatro dígitos del frente de la tarjeta. Puede decirlo o marcarlo.",
    ),
    "got_card": "Listo — {brand} terminada en {last4}.",
    "summary": Phrase(
        text="{brand} terminada en {last4}, vence {expiry}, a nombre de {name}. ¿La guardo?",
        voice="{brand} terminada en {last4}, vence {expiry}, a nombre de {name}.{pause} ¿La guardo? Diga sí o no.",
    ),
    "saved": "Listo — su {brand} terminada en {last4} quedó guardada.",
    "already_saved": "Su tarjeta ya está guardada. Diga “hacer un pago” para agregar otra.",
    "denied": "De acuerdo, no guardaré esa tarjeta.",
    "card_problems": {
        "incorrect_number": "El número de tarjeta no fue aceptado — revíselo y dígalo de nuevo, por favor.",
        "invalid_expiry": "El emisor no aceptó esa fecha de vencimiento — revísela y dígala de nuevo, por favor.",
        "incorrect_cvc": "El código de seguridad no coincide — revíselo y dígalo de nuevo, por favor.",
        "card_declined": "Esa tarjeta fue rechazada. Probemos con otra — ¿cuál es el número de la tarjeta?",
        "expired_card": "El emisor dice que esa tarjeta venció. Probemos con otra — ¿cuál es el número de la tarjeta?",
        "insufficient_funds": "El emisor rechazó esa tarjeta. Probemos con otra — ¿cuál es el número de la tarjeta?",
        "processing_error": "No se pudo procesar la tarjeta. Intentémoslo de nuevo — ¿cuál es el número de la tarjeta?",
    },
    "gateway_busy_tokenize": (
        "No pude comunicarme con el procesador de tarjetas. Todavía tengo el número y el vencimiento — "
        "diga el código de seguridad de nuevo en un momento, por favor."
    ),
    "gateway_busy_commit": "No pude comunicarme con el servicio de pagos. ¿Intento guardar la tarjeta de nuevo?",
    "gateway_down": (
        "Perdón, no puedo recibir datos de tarjetas en este momento. Inténtelo más tarde — no se guardó nada."
    ),
    "ask_wallet": Phrase(
        text=_ASK_WALLET,
        voice="¿Cuál es la dirección de su billetera? Empieza con cero equis, seguido de 40 letras y dígitos.",
    ),
    "wallet_saved": "Guardada — su billetera {wallet} quedó registrada.",
    "wallet_updated": "Actualizada — su billetera registrada ahora es {wallet}.",
    "wallet_on_file": "La dirección de billetera que tengo registrada es {wallet}.",
    "wallet_remembered": "Tengo registrada su billetera {wallet} — ¿la uso?",
    "wallet_reused": "Perfecto — usaré su billetera {wallet}.",
    "wallet_none": "Todavía no tengo una dirección de billetera suya. " + _ASK_WALLET,
    "help": Phrase(
        text=(
            "Puedo guardar una tarjeta para pagos, o recordar la dirección de su billetera de criptomonedas. "
            "Diga “hacer un pago”, o “mi billetera es” seguido de la dirección."
        ),
        voice=(
            "Puedo guardar una tarjeta para pagos, o recordar la dirección de su billetera de criptomonedas. "
            "Diga “hacer un pago”, o “mi billetera”."
        ),
    ),
    "didnt_catch": "Perdón, no le entendí.",
    "what": {
        "FirstName": "el nombre",
        "LastName": "el apellido",
        "CardNumber": "los datos de la tarjeta",
        "ExpirationDate": "la fecha de vencimiento",
        "SecurityCode": "el código de seguridad",
        "WalletAddress": "la dirección de la billetera",
    },
    "hand_off": _HAND_OFF,
}

# Lo que dice el framework para este bot en español (campos de bot.texts.Texts).
TEXTS = {
    "bad_request": (
        "Perdón, no pude procesar esa solicitud. Puede decir “hacer un pago” o “mi billetera es” seguido de la dirección."
    ),
    "hand_off": _HAND_OFF,
}
