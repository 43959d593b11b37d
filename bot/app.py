"""A bot declares itself in one place: its session model, its intents, its texts, its parts.

    from bot import App, Texts
    from bot.payments import CardCapture

    cards = CardCapture(number="CardNumber", expiry="ExpirationDate", code="SecurityCode")
    app = App("PaymentBot", session=PaymentSession, texts=Texts(...), parts=[cards])
    app.add(collect_name.form, collect_card.form, confirm.intent)
    app.fallback(fallback.intent)

`app.build()` wires it for one container (settings from the environment, keys, store, the
parts' runtimes) into a `bot.pipeline.Pipeline` whose `handle(event, context)` is the Lambda
handler. `bot.handler.lambda_handler` builds the app named by `BOT_APP` (`package.module:attr`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, tzinfo
from typing import TYPE_CHECKING, Any

from bot.attributes import ClientAttributes
from bot.handlers import Intent
from bot.identity import UserIdentity
from bot.profiles import RememberedUsers
from bot.router import Router
from bot.texts import Texts

if TYPE_CHECKING:
    from bot.catalog import Catalog
    from bot.config import Settings
    from bot.forms import GiveUp
    from bot.parts import Part
    from bot.pipeline import Pipeline
    from bot.schema import BotSchema
    from bot.session import Session

FALLBACK_INTENT = "FallbackIntent"


class App[S: Session]:
    """A bot: everything the framework needs to know about it, and nothing per container."""

    def __init__(
        self,
        name: str,
        *,
        session: type[S],
        texts: Texts | None = None,
        messages: Catalog[Any] | None = None,
        parts: Sequence[Part[Any]] = (),
        metrics_namespace: str | None = None,
        goal: Callable[[S], bool] | None = None,
        give_up: GiveUp[S] | None = None,
        log_fields: Callable[[S], Mapping[str, object]] | None = None,
        time_zone: tzinfo = UTC,
        client_attributes: ClientAttributes | None = None,
        long_session_turns: int = 30,
    ) -> None:
        """
        name: the bot's name (metrics namespace by default, the test client's bot name).
        session: the bot's session model (a `bot.session.Session` subclass).
        texts: what the framework says for this bot (apologies, notices, the hand-off), in its
              default locale's language; other languages get the framework's own (`bot.texts`)
              unless the catalogue's locale modules say otherwise.
        messages: the bot's message catalogue (`bot.catalog.Catalog`): one module per locale,
              chosen from the event's `bot.localeId` every turn.
        parts: opt-in capabilities (`CardCapture`, `UserIdentity`, `RememberedUsers`).
        goal: when it turns true for the session, the conversation reached its goal
              (`SessionTurns`/`SessionSeconds` metrics).
        give_up: the hand-off policy after too many rejections of one slot (default: close the
              intent as Failed with `texts.hand_off`).
        log_fields: session fields worth a column in the per-turn log line (never card data).
        time_zone: the bot's local time (`turn.now`, `turn.today`): opening hours, "tomorrow".
        client_attributes: what happens to the session attributes the bot does not own (Lex and
              contact-flow settings pass through by default; see `bot.attributes`).
        long_session_turns: a session passing this many turns is counted once (`LongSessions`
              metric, alarmed on in the template): a user going round in circles.
        """
        self.name = name
        self.session_model = session
        self.texts = texts or Texts()
        self._own_texts = texts is not None
        self.messages = messages
        self._texts_by_locale: dict[str, Texts] = {}
        self.parts: tuple[Part[Any], ...] = tuple(parts)
        self.metrics_namespace = metrics_namespace or name
        self.goal = goal
        self.give_up = give_up
        self._log_fields = log_fields
        self.time_zone = time_zone
        self.client_attributes = client_attributes or ClientAttributes()
        self.long_session_turns = long_session_turns
        self.router: Router[S] = Router()
        self.intents: dict[str, Intent[S]] = {}
        self._fallback: Intent[S] | None = None
        if any(isinstance(p, RememberedUsers) for p in self.parts) and not any(
            isinstance(p, UserIdentity) for p in self.parts
        ):
            raise TypeError("RememberedUsers needs UserIdentity: only verified users have profiles")

    # -- declaration ----------------------------------------------------------------------------

    def add(self, *intents: Intent[S]) -> None:
        """Register intents (an `Intent` with its hooks, or a `Form`)."""
        for intent in intents:
            if intent.name in self.intents:
                raise ValueError(f"intent {intent.name} is registered twice")
            self.intents[intent.name] = intent
            self.router.intent(
                intent.name, dialog=intent.dialog_handler, fulfillment=intent.fulfillment_handler
            )

    def fallback(self, intent: Intent[S]) -> None:
        """Register the fallback intent: it also answers any intent the app has no handler for."""
        self.add(intent)
        self._fallback = intent
        self.router.fallback = intent.dialog_handler

    def discover(self, package: str, *, fallback: str = FALLBACK_INTENT) -> None:
        """Register every `Intent` (or `Form`) defined at module level in `package`'s modules, in
        module order; the one named `fallback` becomes the fallback. A new intent is then one new
        module: nothing else to edit."""
        import importlib
        import pkgutil

        root = importlib.import_module(package)
        found: list[Intent[S]] = []
        for info in sorted(pkgutil.iter_modules(getattr(root, "__path__", [])), key=lambda m: m.name):
            module = importlib.import_module(f"{package}.{info.name}")
            for value in vars(module).values():
                if isinstance(value, Intent) and value not in found and value.name not in self.intents:
                    found.append(value)
        for intent in found:
            if intent.name == fallback:
                self.fallback(intent)
            else:
                self.add(intent)

    @property
    def intent_names(self) -> frozenset[str]:
        return frozenset(self.intents)

    @property
    def sensitive_slots(self) -> Mapping[str, str]:
        """Slot name -> what it holds ("card_number" | "security_code"), from the parts."""
        out: dict[str, str] = {}
        for part in self.parts:
            out.update(part.sensitive_slots)
        return out

    def elicitation_attributes(self, intent: str, slot: str) -> dict[str, str]:
        """What the parts set when a slot is elicited (a card slot's voice and keypad capture)."""
        out: dict[str, str] = {}
        for part in self.parts:
            settings = getattr(part, "elicitation_attributes", None)
            if settings is not None:
                out.update(settings(intent, slot))
        return out

    def describe_session(self, session: S) -> Mapping[str, object]:
        return self._log_fields(session) if self._log_fields is not None else {}

    # -- the bot definition is the source of truth ---------------------------------------------

    def check(self, schema: BotSchema) -> list[str]:
        """How the app and the bot definition disagree (empty: they agree)."""
        problems: list[str] = []
        for name, intent in sorted(self.intents.items()):
            if name not in schema.intents:
                problems.append(f"intent {name} has a handler but is not defined in {schema.source}")
                continue
            for slot in sorted((intent.slot_names() or frozenset()) - schema.intents[name]):
                problems.append(
                    f"intent {name}: slot {slot} is used by its form but not defined in {schema.source}"
                )
        for name in sorted(set(schema.intents) - set(self.intents)):
            problems.append(
                f"intent {name} is defined in {schema.source} but has no handler (the fallback answers)"
            )
        for slot in sorted(self.sensitive_slots):
            if not any(slot in slots for slots in schema.intents.values()):
                problems.append(f"sensitive slot {slot} is not a slot of any intent in {schema.source}")
        return problems

    # -- one container ---------------------------------------------------------------------------

    def build(
        self,
        settings: Settings | None = None,
        *,
        schema: BotSchema | None = None,
        **overrides: Any,
    ) -> Pipeline[S]:
        """Wire the app from settings (the environment by default) into a pipeline.

        `overrides` replace what would be built: `store`, `keys`, `clock`, `verifier`, or any
        `Pipeline` argument. `schema` turns on name checks against the bot definition (local use).
        """
        from bot.config import Settings
        from bot.parts import PartContext
        from bot.persist import Retention
        from bot.pipeline import Pipeline
        from bot.security.keys import load_keys
        from bot.turn import Services

        settings = settings or Settings.from_env()
        keys = overrides.pop("keys", None) or load_keys(settings)
        clock: Callable[[], float] = overrides.pop("clock", None) or time.time
        context = PartContext(settings.env, settings, keys, clock)
        runtimes = {part: part.start(context) for part in self.parts}
        verifier = next((runtimes[p] for p in self.parts if isinstance(p, UserIdentity)), None)
        store = overrides.pop("store", None)
        if store is None:
            from bot.store import make_store

            store = make_store(
                settings.store,
                sqlite_path=str(settings.sqlite_path),
                table_name=settings.session_table,
                endpoint_url=settings.dynamodb_endpoint_url,
                region=settings.aws_region,
                # nothing lives longer than this after its last activity: time listings skip older days
                retention_seconds=max(settings.session_ttl_seconds, settings.review_retention_seconds),
            )
        services = Services(
            keys=keys,
            max_slot_attempts=settings.max_slot_attempts,
            texts=self.texts,
            texts_for=self.texts_for,
            parts=runtimes,
            sensitive_slots=frozenset(self.sensitive_slots),
            schema=schema,
            give_up=self.give_up,
            questions=next(
                (r.answer_question for r in runtimes.values() if hasattr(r, "answer_question")), None
            ),
        )
        arguments: dict[str, Any] = {
            "store": store,
            "services": services,
            "clock": clock,
            "verifier": verifier,
            "remember_users": any(isinstance(p, RememberedUsers) for p in self.parts),
            "retention": Retention(
                session_ttl_seconds=settings.session_ttl_seconds,
                history_grace_seconds=settings.history_grace_seconds,
                profile_ttl_seconds=settings.profile_ttl_seconds,
            ),
            "history_window": settings.history_window,
        }
        arguments.update(overrides)
        return Pipeline(self, **arguments)

    @property
    def default_locale(self) -> str:
        return self.messages.default if self.messages is not None else "en_US"

    def texts_for(self, locale_id: str) -> Texts:
        """What the framework says in `locale_id` (cached per locale)."""
        found = self._texts_by_locale.get(locale_id)
        if found is None:
            from bot.language import language_code
            from bot.texts import framework_texts

            language = language_code(locale_id)
            own = self._own_texts and language == language_code(self.default_locale)
            found = self.texts if own else framework_texts(language)
            if self.messages is not None:
                found = self.messages.texts(locale_id, found)
            self._texts_by_locale[locale_id] = found
        return found

    def __repr__(self) -> str:
        return f"App({self.name!r}, intents={sorted(self.intents)})"
