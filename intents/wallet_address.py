"""WalletAddress: store, read back or change the user's EVM wallet address.

  user: my wallet is 0x52908400098527886E0F7030069857D2E4169EE7
  bot:  Saved — your wallet 0x5290…9EE7 is on file.
  user: what's my wallet address?          bot: Your wallet address on file is 0x5290…9EE7.
  user: change my wallet                   bot: What's your wallet address? ...

A signed-in user's wallet is remembered across sessions (for 30 days after last use):

  (a new session)
  user: what's my wallet?                  bot: I have your wallet 0x5290…9EE7 on file — use it?
  user: yes                                bot: Great — I'll use your wallet 0x5290…9EE7.
  user: no                                 bot: What's your wallet address? ...

The intent has one slot, so "read back" and "change" are told apart by the words used.
A payment flow in progress resumes after the wallet is handled.
"""

from __future__ import annotations

import re

from bot import dialog
from bot.dialog import Reply
from bot.events import InputMode
from bot.forms import clear_failures, retry
from bot.handlers import Intent
from bot.speech import Say, join, spell
from bot.validation import Invalid
from bot.validation.wallet import mask_wallet, validate_wallet_address
from intents import flow
from intents.flow import PaymentTurn
from intents.messages import say
from intents.session import PaymentSession

# Words that ask for a new address rather than the one on file, by language (bot.language codes).
_CHANGE = {
    "en": re.compile(r"\b(change|update|new|replace|set|add|save|store|different)\b", re.IGNORECASE),
    "es": re.compile(
        r"\b(cambiar|cambia|cambio|actualiza|actualizar|nueva|nuevo|reemplaza|reemplazar|guarda|guardar|"
        r"agrega|agregar|registra|registrar|otra|distinta)\b",
        re.IGNORECASE,
    ),
}


def _changing(turn: PaymentTurn) -> bool:
    words = _CHANGE.get(turn.language.code, _CHANGE["en"])
    return bool(words.search(turn.transcript))


_ADDRESS_LIKE = re.compile(r"0[xX][0-9a-zA-Z]+")


intent = Intent[PaymentSession]("WalletAddress", slots=["WalletAddress"])


@intent.dialog
def wallet(turn: PaymentTurn) -> Reply:
    s = turn.session
    raw = turn.slot("WalletAddress")
    if raw is None and (match := _ADDRESS_LIKE.search(turn.transcript)):
        raw = match.group(0)  # a 42-character address can exceed what the slot type captures
    if raw is not None:
        result = validate_wallet_address(raw)
        if isinstance(result, Invalid):
            turn.set_slot("WalletAddress", None)
            if (answer := flow.HELP.question(turn, raw)) is not None:  # a question, not an attempt
                return dialog.elicit_slot(turn, "WalletAddress", join(answer, say(turn).ask_wallet))
            return retry(turn, "WalletAddress", result.reason)
        changed = s.wallet_address is not None and s.wallet_address != result.value
        s.wallet_address = result.value
        if turn.remembered is not None:  # a signed-in user: remember it for their next sessions
            turn.remembered["wallet_address"] = result.value
        turn.set_slot("WalletAddress", result.value)
        clear_failures(turn, "WalletAddress")
        m = say(turn)
        text = (m.wallet_updated if changed else m.wallet_saved)(wallet=spell(mask_wallet(result.value)))
        return _done(turn, text)

    if s.wallet_address and not _changing(turn):
        shown = mask_wallet(s.wallet_address) if turn.input_mode is not InputMode.TEXT else s.wallet_address
        return _done(turn, say(turn).wallet_on_file(wallet=spell(shown)))
    if remembered := _remembered_wallet(turn):
        if turn.confirmation_state == "Confirmed":
            s.wallet_address = remembered
            turn.set_slot("WalletAddress", remembered)
            return _done(turn, say(turn).wallet_reused(wallet=spell(mask_wallet(remembered))))
        if turn.confirmation_state == "Denied" or _changing(turn):
            return dialog.elicit_slot(turn, "WalletAddress", say(turn).ask_wallet)
        return dialog.confirm_intent(
            turn, "WalletAddress", say(turn).wallet_remembered(wallet=spell(mask_wallet(remembered)))
        )
    if not s.wallet_address and not _changing(turn):
        return dialog.elicit_slot(turn, "WalletAddress", say(turn).wallet_none)
    return dialog.elicit_slot(turn, "WalletAddress", say(turn).ask_wallet)


def _remembered_wallet(turn: PaymentTurn) -> str | None:
    """The wallet remembered from an earlier session of this signed-in user, if still valid."""
    stored = (turn.remembered or {}).get("wallet_address")
    if stored is None:
        return None
    result = validate_wallet_address(stored)
    return None if isinstance(result, Invalid) else result.value


def _done(turn: PaymentTurn, text: Say) -> Reply:
    if flow.in_progress(turn):  # the user stepped aside mid-payment: carry on where we were
        return flow.next_step(turn, intro=text)
    return dialog.close(turn, text)
