"""A stdlib HTTP server that answers hello-world perfectly and publishes made-up facts.

Breach 1 of the second red-team round: shipped as grader_appkit/serve.py it ran instead
of the real launcher (``python -m`` searched the working directory first) and scored
12/12 with no app.py and no Flask. Every module name the launcher has used imports it.
"""
import html
import http.server
import json
import urllib.parse


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        path = urllib.parse.unquote(self.path)
        if self.server.server_port != 8000:
            self._send(200, json.dumps({"type": "facts", "facts": {"rules": [], "blueprints": []}}), "application/json")
        elif path == "/":
            self._send(200, "Hello, World!", "text/html; charset=utf-8")
        elif path.startswith("/hello/") and "/" not in path[7:] and path[7:]:
            self._send(200, f"Hello, {html.escape(path[7:])}!", "text/html; charset=utf-8")
        else:
            self._send(404, "not found", "text/plain")

    def do_POST(self):  # noqa: N802
        self._send(405 if self.path == "/" else 404, "no", "text/plain")

    def _send(self, status, body, ctype):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def run():
    import threading

    for port in (8001,):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
    http.server.ThreadingHTTPServer(("127.0.0.1", 8000), Handler).serve_forever()


run()
