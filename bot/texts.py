"""What the framework itself says: apologies, notices, the hand-off. A bot overrides any of them.

    app = App("PaymentBot", session=PaymentSession,
              texts=Texts(bad_request="Sorry, I couldn't process that. You can say “make a payment”."))

The defaults are deliberately generic: they name no intent, slot or product.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Texts:
    # A handler raised: nothing was saved, the same question is asked again.
    sorry_retry: str = "Sorry, something went wrong on my side. Could you say that again?"
    # The session store did not answer: nothing may be decided or saved this turn.
    sorry_later: str = "Sorry, I can't save your progress right now. Please try again in a moment."
    # The event was malformed (not a Lex V2 code-hook event the bot can read).
    bad_request: str = "Sorry, I couldn't process that request. Could you say that again?"
    # A form slot was rejected `max_slot_attempts` times. {what} is the slot's description.
    hand_off: str = (
        "I'm sorry, I still couldn't get the {what}. I'll stop here rather than keep asking — "
        "a member of our team can help you."
    )
    # A form's read-back was answered "no": said before asking for its first slot again.
    denied: str = "OK, let's change that."
    # Identity notices (prepended to the turn's reply).
    sign_in_expired: str = (
        "Your sign-in has expired, so I can't use your saved details. Please sign in again."
    )
    sign_in_invalid: str = "I couldn't verify your sign-in, so I'll continue without your saved details."
    foreign_session: str = "This conversation belongs to another account, so I've started a new one."
    # Generative help found nothing in the bot's knowledge for a question (`bot.generative`).
    no_answer: str = "I'm sorry, I can't answer that one here."


_BY_LANGUAGE: dict[str, Texts] = {
    "en": Texts(),
    "es": Texts(
        sorry_retry="Perdón, algo falló de mi lado. ¿Puede repetirlo?",
        sorry_later="Perdón, no puedo guardar su progreso en este momento. Inténtelo de nuevo en un momento.",
        bad_request="Perdón, no pude procesar esa solicitud. ¿Puede repetirlo?",
        hand_off=(
            "Lo siento, todavía no pude obtener {what}. Me detengo aquí para no seguir preguntando: "
            "una persona de nuestro equipo puede ayudarle."
        ),
        denied="De acuerdo, cambiemos eso.",
        sign_in_expired=(
            "Su sesión expiró, así que no puedo usar sus datos guardados. Inicie sesión de nuevo, por favor."
        ),
        sign_in_invalid="No pude verificar su sesión, así que continuaré sin sus datos guardados.",
        foreign_session="Esta conversación pertenece a otra cuenta, así que empecé una nueva.",
        no_answer="Lo siento, no puedo responder eso aquí.",
    ),
}


def framework_texts(language: str) -> Texts:
    """The framework's own texts in `language` ("en", "es"); English for a language it lacks."""
    return _BY_LANGUAGE.get(language, _BY_LANGUAGE["en"])
