"""`python -m bot new-intent NAME --slot NAME:TYPE ...`: a new intent in three files that pass as
generated: the handler module (a `Form` with a validator per slot), the intent block of the
template (inserted as text into every locale) and a conversation test.

    result = new_intent(Request("ZipCode", ["ZipCode:AMAZON.Number"], template=Path("template.yaml")))
    write(result)

`bot.dev.cli.scaffold` is the command line; `core` plans and checks, `naming` (names and sample
utterances), `kinds` (slot types and their validators), `handler` (the module), `template` (the
block, inserted as text) and `conversation` (the test) generate.
"""

from bot.dev.scaffold.core import Request, Result, ScaffoldError, VerificationError, new_intent, write

__all__ = ["Request", "Result", "ScaffoldError", "VerificationError", "new_intent", "write"]
