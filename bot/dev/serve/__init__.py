"""A local Amazon Lex V2 runtime endpoint and test console: `python -m bot serve`.

The Lex V2 runtime API (RecognizeText, RecognizeUtterance with text, PutSession, GetSession,
DeleteSession) over HTTP, backed by the simulator and the real handler, so that real Lex clients
(boto3's `lexv2-runtime`, the AWS CLI with `--endpoint-url`, a web client) talk to the bot
offline; a browser console at `/`; and a runner that plays conversation files against any Lex V2
runtime, this one or a deployed alias.

    runtime   bot.dev.serve.runtime   the operations, sessions, request checks, response shapes
    server    bot.dev.serve.server    HTTP routing (ThreadingHTTPServer), static files, errors out
    console   bot.dev.serve.console   the console's JSON API and its redaction choke point
    errors    bot.dev.serve.errors    the model's exception shapes
    remote    bot.dev.serve.remote    conversation files over boto3's lexv2-runtime client
"""

from bot.dev.serve.runtime import DEFAULT_BOT_ID, TEST_ALIAS_ID, LexRuntime, RequestClock
from bot.dev.serve.server import LexServer, make_server

__all__ = ["DEFAULT_BOT_ID", "TEST_ALIAS_ID", "LexRuntime", "LexServer", "RequestClock", "make_server"]
