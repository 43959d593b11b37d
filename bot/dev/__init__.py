"""Developer tools: the local Lex V2 simulator, the command line, the test client, the Lex event
builder, conversation tests and the pytest plugin.

Nothing here is shipped in the Lambda artifact (the Makefile copies `bot/` without `bot/dev/`),
and nothing in the runtime imports it (a test walks the AST).
"""
