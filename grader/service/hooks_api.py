"""The API's webhook routes: register (address checked), list, remove, and each one's delivery log.

A callback URL is checked when it is registered, with the same policy as
each call (:func:`.webhooks.checked_address`): a URL on a loopback, private
or otherwise non-public address answers 400 naming the field ``url``, not
201 followed by calls that fail silently. A team has at most
:data:`MAX_WEBHOOKS_PER_TEAM` webhooks.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

from flask import Response, abort, current_app, jsonify, request
from sqlalchemy import delete, func, select

from ..errors import UsageError
from .api import api, problem
from .auth import current_caller
from .context import db_session, service
from .models import Delivery, DeliveryAttempt, Webhook, owned, rfc3339
from .webhooks import RefusedAddress, check_url, checked_address

MAX_WEBHOOKS_PER_TEAM = 5
LOG_DELIVERIES = 50


def hook_json(hook: Webhook, secret: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"id": hook.id, "url": hook.url, "created_at": rfc3339(hook.created_at)}
    if secret is not None:
        data["secret"] = secret
    return data


def _url_problem(detail: str) -> Response:
    return problem(400, "Invalid request", detail, field="url")


def registration_problem(url: Any, team_id: int) -> Response | None:
    """Why ``url`` cannot be registered for the team (a problem answer), or None."""
    if not isinstance(url, str) or not url:
        return _url_problem("`url` must be an absolute http:// or https:// URL")
    try:
        check_url(url)
    except UsageError as exc:
        return _url_problem(f"`url`: {exc.format()}")
    parts = urlsplit(url)
    allow_private = bool(current_app.config["WEBHOOK_ALLOW_PRIVATE"])
    try:
        checked_address(
            parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80),
            allow_private=allow_private,
        )  # fmt: skip
    except RefusedAddress as exc:
        return _url_problem(
            f"`url`: {exc}; the service calls only public addresses (the operator can allow private ones)"
        )
    count = db_session().scalar(select(func.count()).select_from(Webhook).where(Webhook.team_id == team_id))
    if (count or 0) >= MAX_WEBHOOKS_PER_TEAM:
        return problem(
            409, "Too many webhooks",
            f"a team has at most {MAX_WEBHOOKS_PER_TEAM} webhooks: delete one first", field="url",
        )  # fmt: skip
    return None


@api.get("/webhooks")
def list_webhooks() -> Response:
    hooks = db_session().scalars(select(Webhook).where(Webhook.team_id == current_caller().team_id))
    return jsonify([hook_json(h) for h in hooks])


@api.post("/webhooks")
def create_webhook() -> tuple[Response, int] | Response:
    body = request.get_json(silent=True)
    url = body.get("url") if isinstance(body, dict) else None
    team_id = current_caller().team_id
    refused = registration_problem(url, team_id)
    if refused is not None:
        return refused
    secret = secrets.token_hex(24)
    hook = Webhook(team_id=team_id, url=str(url), secret=service().box.seal(secret))
    db_session().add(hook)
    db_session().commit()
    return jsonify(hook_json(hook, secret=secret)), 201


def _owned_hook(webhook_id: int) -> Webhook:
    hook = owned(db_session(), Webhook, webhook_id, current_caller().team_id)
    if hook is None:
        abort(404, f"no webhook {webhook_id}")
    return hook


@api.delete("/webhooks/<int:webhook_id>")
def delete_webhook(webhook_id: int) -> tuple[str, int]:
    hook = _owned_hook(webhook_id)
    session = db_session()
    session.execute(delete(DeliveryAttempt).where(DeliveryAttempt.webhook_id == hook.id))
    session.execute(delete(Delivery).where(Delivery.webhook_id == hook.id))
    session.delete(hook)
    session.commit()
    return "", 204


def delivery_log(webhook_id: int, limit: int = LOG_DELIVERIES) -> list[dict[str, Any]]:
    """The webhook's latest deliveries, newest first, each with every attempt (API and dashboard)."""
    session = db_session()
    deliveries = session.scalars(
        select(Delivery).where(Delivery.webhook_id == webhook_id).order_by(Delivery.id.desc()).limit(limit)
    ).all()
    attempts: dict[int, list[dict[str, Any]]] = {d.id: [] for d in deliveries}
    if deliveries:
        rows = session.scalars(
            select(DeliveryAttempt)
            .where(DeliveryAttempt.delivery_id.in_(list(attempts)))
            .order_by(DeliveryAttempt.id)
        )
        for row in rows:
            attempts[row.delivery_id].append(
                {
                    "at": rfc3339(row.attempted_at),
                    "duration_ms": row.duration_ms,
                    "status_code": row.status_code,
                    "error": row.error,
                }
            )
    return [
        {
            "id": d.id,
            "event": d.event,
            "submission": d.submission_id,
            "invitation": d.invitation_id,
            "status": d.status,
            "attempts": d.attempts,
            "next_attempt_at": rfc3339(d.next_attempt_at) if d.status == "pending" else None,
            "last_error": d.last_error,
            "log": attempts[d.id],
        }
        for d in deliveries
    ]


@api.get("/webhooks/<int:webhook_id>/deliveries")
def webhook_deliveries(webhook_id: int) -> Response:
    hook = _owned_hook(webhook_id)
    return jsonify({"webhook": hook_json(hook), "deliveries": delivery_log(hook.id)})
