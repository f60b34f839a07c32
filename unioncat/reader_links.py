"""One link a reader can follow to a digital item, and how it lets them in.

A library's readers reach licensed resources through a proxy (EZproxy's ``login?qurl=``,
an OpenAthens redirector) or a WAYFless URL that names the library's identity provider;
open-access copies need nothing.  The catalog keeps every URL as its source gave it
(KBART title URLs stay universal, as GOKb requires), and the ``access:`` section of the
pipeline file says how this library's readers get in; the link is made when it is
shown (``resolve``, ``/resolve``), never stored:

```yaml
access:
  proxy: https://login.ezproxy.lib.example.edu/login?qurl={url}
  # or https://go.openathens.net/redirector/lib.example.edu?url={url}
  # or a WAYFless template: https://{host}/wayf?entityID={entity_id}&target={url}
  entity_id: https://idp.lib.example.edu/idp/shibboleth
  hosts: [tideway.example, "*.sagepub.com"]   # reached through the proxy
  packages: ["Tideway CoastalCollection"]     # every title of these packages too
  resolver: https://resolver.lib.example.edu/openurl   # the library's link resolver
  open_access: direct                         # or proxy: open links through it too
```

With no ``hosts`` and no ``packages``, every licensed link goes through the proxy; an
open link does only with ``open_access: proxy`` (some libraries count every use).  The
``resolver`` is where a citation the catalog cannot answer is sent, as an OpenURL.
``{url}`` is the target URL encoded as a query value, ``{host}`` its host and
``{entity_id}`` the setting, encoded the same way.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from unioncat.errors import ConfigError

DIRECT, OPEN, PROXY, RESOLVER = "direct", "open", "proxy", "resolver"


@dataclass(frozen=True, slots=True)
class AccessSettings:
    proxy: str | None = None
    entity_id: str | None = None
    hosts: tuple[str, ...] = ()
    packages: tuple[str, ...] = ()
    resolver: str | None = None  # the library's OpenURL resolver base
    open_access: str = DIRECT  # or PROXY: open links through the proxy as well

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> AccessSettings:
        if not data:
            return cls()
        known = {"proxy", "entity_id", "hosts", "packages", "resolver", "open_access"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(
                f"access: unknown setting(s) {', '.join(unknown)}; known: "
                + ", ".join(sorted(known))
            )
        proxy = data.get("proxy")
        if proxy is not None and (not isinstance(proxy, str) or "{url}" not in proxy
                                  or not proxy.startswith(("https://", "http://"))):  # fmt: skip
            raise ConfigError(
                f"access: proxy {proxy!r} must be an http(s) URL template holding {{url}}",
                hint="e.g. https://login.ezproxy.lib.example.edu/login?qurl={url}",
            )
        if proxy and "{entity_id}" in proxy and not data.get("entity_id"):
            raise ConfigError("access: the proxy template names {entity_id}: set entity_id")
        lists: dict[str, tuple[str, ...]] = {}
        for name in ("hosts", "packages"):
            value = data.get(name) or []
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"access: {name} must be a list of texts")
            lists[name] = tuple(v.strip().lower() for v in value if v.strip())
        entity = data.get("entity_id")
        resolver = data.get("resolver")
        if resolver is not None and (
            not isinstance(resolver, str) or not resolver.startswith(("https://", "http://"))
        ):
            raise ConfigError(f"access: resolver {resolver!r} must be an http(s) URL")
        policy = data.get("open_access", DIRECT)
        if policy not in (DIRECT, PROXY):
            raise ConfigError(f"access: open_access is direct or proxy, not {policy!r}")
        return cls(
            proxy, str(entity) if entity else None, lists["hosts"], lists["packages"],
            resolver, str(policy),
        )  # fmt: skip

    def proxied(self, url: str, package: str | None) -> bool:
        if not self.proxy:
            return False
        if not self.hosts and not self.packages:
            return True
        host = (urlsplit(url).hostname or "").lower()
        if any(fnmatch.fnmatch(host, pattern) for pattern in self.hosts):
            return True
        return bool(package) and str(package).strip().lower() in self.packages


def reader_link(
    url: str | None, settings: AccessSettings, *, open_access: bool = False,
    package: str | None = None,
) -> tuple[str | None, str]:  # fmt: skip
    """The URL a reader follows, and how it authenticates (open, proxy or direct: inside
    the library's network or with the vendor's own login)."""
    if not url or not url.lower().startswith(("https://", "http://")):
        return None, DIRECT
    if open_access and settings.open_access != PROXY:
        return url, OPEN
    if settings.proxy and settings.proxied(url, package):
        host = urlsplit(url).hostname or ""
        link = (
            settings.proxy.replace("{url}", quote(url, safe=""))
            .replace("{host}", quote(host, safe=""))
            .replace("{entity_id}", quote(settings.entity_id or "", safe=""))
        )
        return link, PROXY
    if open_access:
        return url, OPEN
    return url, DIRECT


def with_reader_links(row: Mapping[str, Any], settings: AccessSettings) -> Mapping[str, Any]:
    """A record (as the catalog holds it) whose access links are the ones this library's
    readers follow: for the exports and the OAI-PMH provider, made as they are written."""
    if not row.get("access"):
        return row
    # a KBART title's package is on its holdings: that is what `packages` names
    package = next(
        (h.get("package") for h in row.get("holdings") or []
         if isinstance(h, Mapping) and h.get("package")),
        None,
    )  # fmt: skip
    links = []
    for access in row["access"] or []:
        if not isinstance(access, Mapping):
            links.append(access)
            continue
        link, how = reader_link(
            access.get("url"), settings, open_access=access.get("kind") == "open",
            package=package or access.get("provider"),
        )  # fmt: skip
        links.append({**access, "url": link or access.get("url"), "authentication": how})
    return {**row, "access": links}


def resolver_link(settings: AccessSettings, kev: str) -> str | None:
    """The library's link resolver asked about a citation (its OpenURL 1.0 query)."""
    if not settings.resolver:
        return None
    query = kev.lstrip("?")
    if "url_ver=" not in query:
        query = f"url_ver=Z39.88-2004&{query}"
    joiner = "&" if "?" in settings.resolver else "?"
    return f"{settings.resolver}{joiner}{query}"
