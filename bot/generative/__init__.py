"""Generative help: off-script questions answered from the bot's own knowledge, with bounded,
safe context, and the flow resumed exactly where it was.

    from bot.generative import GenerativeHelp, Option

    help = GenerativeHelp("intents/knowledge", about="a payment assistant", entities=facts)
    app = App("PaymentBot", ..., parts=[cards, help])

`GENERATOR=bedrock|offline|off` picks the generator: Bedrock's Converse API (`bedrock`), BM25
retrieval over the knowledge file with no model (`offline`, the default), or none (`off`). The
modules, in the order a question goes through them:

    knowledge   the markdown knowledge file, one per locale, as passages
    retrieval   BM25 over the passages, under a retrieval token budget
    memory      summary, entity memory, offered options, usage (server-side, in the session record)
    prompt      instructions + passages + memory + recent turns + question, fitted to the budget
    scrub       the choke point every text of a request passes (no card data, dates, secrets)
    generators  Bedrock Converse with its deadline and retries; the offline extract
    help        the part: answer, offer/chosen, the per-turn hook; metrics
"""

from __future__ import annotations

from bot.generative.help import Answer, GenerativeHelp, HelpDesk
from bot.generative.memory import Memory, Option

__all__ = ["Answer", "GenerativeHelp", "HelpDesk", "Memory", "Option"]
