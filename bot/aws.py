"""AWS clients for the functions: botocore's low-level clients, from one session per container.

The bot uses low-level clients only (DynamoDB, Secrets Manager, Bedrock Runtime). boto3 adds
nothing to those, but `import boto3` imports its resource layer and s3transfer, and with
s3transfer `multiprocessing`, on every cold start. So the clients here come straight from
botocore, which resolves credentials, region, retries and endpoints exactly as boto3's clients
do (boto3's `client()` is this same call on its own botocore session). All of a container's clients share one
session, so its data (endpoints, partitions, retry defaults) is loaded once.

Building a client also asks the session's loader whether the service exists, and botocore answers
by listing every service directory it ships (over 400) for each kind of model file. The session's
loader here (`_Loader`) answers the same question by looking in that service's directory only; the
full listing is still there for anything that iterates it.

Every request rebuilds its User-Agent header from about twenty parts, twice (botocore sanitizes
each part again each time): about 8% of a DynamoDB turn. The header depends on the client's
configuration, fixed when the client is built, and on the feature ids the request's context has
registered. So each client here keeps the string botocore built for each set of feature ids it
has seen (`_remember_user_agents`).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from typing import Any, overload

__all__ = ["client"]

_lock = threading.Lock()  # botocore sessions are not thread-safe; client creation is rare
_session: Any = None


def client(service: str, **kwargs: Any) -> Any:
    """A botocore client for `service` (`region_name`, `endpoint_url`, `config`, ...)."""
    global _session
    with _lock:
        if _session is None:
            import botocore.session

            _session = botocore.session.get_session()
            data_path = _session.get_config_variable("data_path")  # AWS_DATA_PATH, as botocore reads it
            paths = [os.path.expanduser(p) for p in data_path.split(os.pathsep)] if data_path else []
            _session.register_component("data_loader", _loader_class()(extra_search_paths=paths))
        made = _session.create_client(service, **kwargs)
    _remember_user_agents(made)
    return made


_KNOWN_FEATURE_SETS = 32  # distinct feature-id sets kept per client (a hot path has one or two)


def _remember_user_agents(made: Any) -> None:
    """Make `made`'s User-Agent builder answer from what it built before for the same feature ids.

    botocore's `UserAgentString.to_string()` reads the builder's own fields (set from the session
    and the client's config when the client is built) and the current request context's
    `features`; nothing else. The string it built is kept per set of features. Both of botocore's
    callers (the request serializer and the `request-created` rebuild) look `to_string` up on the
    instance, so they get the remembered string."""
    from botocore.context import get_context

    creator = made._user_agent_creator
    build = creator.to_string
    built: dict[frozenset[str], str] = {}

    def to_string() -> str:
        context = get_context()
        key = frozenset(context.features) if context is not None else frozenset()
        agent = built.get(key)
        if agent is None:
            agent = build()
            if len(built) < _KNOWN_FEATURE_SETS:
                built[key] = agent
        return agent

    creator.to_string = to_string


def _loader_class() -> type[Any]:
    from botocore.loaders import Loader

    class _Loader(Loader):  # type: ignore[misc]
        def list_available_services(self, type_name: str) -> Sequence[str]:
            return _Services(self, type_name)

    return _Loader


class _Services(Sequence[str]):
    """The services a loader has `type_name` models for: membership checks that service only; the
    sorted list itself (botocore's own listing) is built only if something reads it."""

    def __init__(self, loader: Any, type_name: str) -> None:
        self._loader = loader
        self._type_name = type_name
        self._listed: list[str] | None = None

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str) or not name or name.startswith(".") or os.sep in name:
            return False
        if os.altsep and os.altsep in name:
            return False
        from botocore.exceptions import DataNotFoundError

        try:
            self._loader.list_api_versions(name, self._type_name)
        except DataNotFoundError:
            return False
        return True

    def _all(self) -> list[str]:
        if self._listed is None:
            from botocore.loaders import Loader

            self._listed = list(Loader.list_available_services(self._loader, self._type_name))
        return self._listed

    def __len__(self) -> int:
        return len(self._all())

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        return self._all()[index]
