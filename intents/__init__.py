"""The reference bot: a payment-collection bot built on the `bot` framework.

`intents.app:app` declares it (the default `BOT_APP`); each intent has its module here, reading
like its dialog; `session.py` is its typed session, `messages.py` what it says, `flow.py` the
policy the intents share.
"""
