"""A complete Rundun webhook receiver on Python's http.server, using verify.py (standard library only).

    RUNDUN_WEBHOOK_SECRET='the secret given at dispatch' \
    RUNDUN_WEBHOOK_URL='https://your-app.example/hooks/rundun' \
    PORT=8080 python3 receiver.py

RUNDUN_WEBHOOK_URL is the `webhook.url` given at dispatch: the public URL, even behind a proxy.
HOST defaults to 127.0.0.1; PORT=0 picks a free port. The body is read by Content-Length.
"""

import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from verify import WebhookVerificationError, verify_webhook

WEBHOOK_URL = os.environ["RUNDUN_WEBHOOK_URL"]
SECRET = os.environ["RUNDUN_WEBHOOK_SECRET"]


class Receiver(BaseHTTPRequestHandler):
    handled_event_ids = set()  # use a unique key in your database instead: events are retried

    def do_POST(self):
        length = self.headers.get("content-length")
        if length is None or not length.isdigit():
            self._answer(411, "")
            return
        body = self.rfile.read(int(length))
        try:
            event = verify_webhook(
                url=WEBHOOK_URL, headers=self.headers, body=body, secret=SECRET, method=self.command
            )
        except WebhookVerificationError as error:
            print(f"rejected {error.code}: {error}", flush=True)
            self._answer(400, error.code)
            return
        if event["event_id"] in self.handled_event_ids:
            print(f"duplicate {event['event_id']}", flush=True)
        else:
            self.handled_event_ids.add(event["event_id"])
            # Order a run's events by event["seq"]: a retried event may arrive after a later one.
            print(f"accepted {event['event']} {event['event_id']} seq={event['seq']}", flush=True)
        self.send_response(204)  # answer 2xx within 10 s; do slow work after answering
        self.end_headers()

    def _answer(self, status, text):
        self.send_response(status)
        self.send_header("content-type", "text/plain")
        self.send_header("content-length", str(len(text)))
        self.end_headers()
        self.wfile.write(text.encode("ascii"))

    def log_message(self, format, *args):
        pass


if __name__ == "__main__":
    address = (os.environ.get("HOST", "127.0.0.1"), int(os.environ.get("PORT", "8080")))
    server = ThreadingHTTPServer(address, Receiver)
    print(f"listening on port {server.server_address[1]}", flush=True)
    server.serve_forever()
