"""The test console's page (static/: plain HTML, CSS and JS, no build step), served by
`python -m bot serve` at `/`. Its API is `bot.dev.serve.console`."""
