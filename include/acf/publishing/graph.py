"""Meta Graph API client (Instagram and Facebook): Graph error codes and the long-lived token refresh."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import requests

from acf.publishing.http import ApiClient, Token

AUTH_CODES = {102, 190, 463, 467}            # session/token invalid or expired
RATE_CODES = {4, 9, 17, 32, 613, 80001, 80002}  # app/user/page rate limits, publishing limits
DEFAULT_GRAPH_URL = "https://graph.facebook.com/v21.0"


def _graph_error(response: requests.Response) -> dict:
    try:
        return (response.json() or {}).get("error") or {}
    except ValueError:
        return {}


class GraphClient(ApiClient):
    def __init__(self, base_url: str, tokens, *, platform: str, **options):
        # The token goes in the Authorization header, never in a URL (URLs end up in access logs).
        options.setdefault("auth_style", "bearer")
        super().__init__(base_url, tokens, platform=platform, **options)

    def classify(self, response: requests.Response) -> str | None:
        error = _graph_error(response)
        code = error.get("code")
        if response.status_code == 401 or code in AUTH_CODES:
            return "auth"
        if response.status_code == 429 or code in RATE_CODES:
            return "rate"
        return None


def refresher(base_url: str, app_id: str, app_secret: str) -> Callable[[Token], Token]:
    """Exchange the current long-lived token for a fresh one (``grant_type=fb_exchange_token``)."""

    def refresh(token: Token) -> Token:
        if not (app_id and app_secret and token.access_token):
            raise RuntimeError("no app id/secret to refresh with")
        response = requests.get(f"{base_url.rstrip('/')}/oauth/access_token", timeout=30, params={
            "grant_type": "fb_exchange_token", "client_id": app_id, "client_secret": app_secret,
            "fb_exchange_token": token.access_token})
        body = response.json() if response.content else {}
        if response.status_code != 200 or "access_token" not in body:
            raise RuntimeError("token exchange refused")
        expires = body.get("expires_in")
        expires_at = datetime.now(timezone.utc) + timedelta(seconds=int(expires)) if expires else None
        return Token(body["access_token"], expires_at, token.refresh_token)

    return refresh
