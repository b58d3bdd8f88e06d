"""In-process transport: the candidate's app driven through Flask's test client (local mode)."""

from __future__ import annotations

from typing import Any

from ..models import MAX_BODY_BYTES, BodyMeter, ClientError, Headers, Request, Response


class WSGITransport:
    """Sends each request to ``app.test_client()``; redirects are never followed."""

    def __init__(self, app: Any) -> None:
        self._client = app.test_client(use_cookies=False)  # the Client's own jar keeps cookies

    def stream(self, request: Request, meter: BodyMeter) -> tuple[int, Headers]:
        result = self._open(request, buffered=False)
        try:
            for chunk in result.iter_encoded():
                meter.add(chunk)
                if meter.full:
                    break
        finally:
            result.close()
        return result.status_code, Headers(list(result.headers.items()))

    def _open(self, request: Request, *, buffered: bool) -> Any:
        url = f"{request.path}?{request.query}" if request.query else request.path
        headers = [(k, v) for k, v in request.headers if k.lower() != "content-type"]
        return self._client.open(
            url,
            method=request.method,
            data=request.body,
            content_type=request.header("Content-Type"),
            headers=headers,
            follow_redirects=False,
            buffered=buffered,
        )

    def send(self, request: Request) -> Response:
        result = self._open(request, buffered=True)
        try:
            content = result.get_data()
        finally:
            result.close()
        if len(content) > MAX_BODY_BYTES:
            raise ClientError(f"response body larger than {MAX_BODY_BYTES} bytes")
        return Response(result.status_code, Headers(list(result.headers.items())), content)
