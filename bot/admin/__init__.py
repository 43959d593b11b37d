"""Session administration: list, inspect, annotate and delete stored sessions.

- `bot.admin.models`   the operations (Pydantic models, discriminated on `operation`)
- `bot.admin.service`  `SessionAdmin`, the operations over a `SessionStore`
- `bot.admin.handler`  the SessionAdminFunction Lambda (`lambda_handler`)
- `bot.admin.factory`  wiring from `Settings` (shared with `python -m bot sessions`)
- `schema.json`        the JSON schema of an admin event, generated from the models
"""
