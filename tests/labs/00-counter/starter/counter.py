"""A counter service: POST /add?n=N adds N, GET /total reads the total.

Each add is also published to Kafka, one record per add.
"""

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from confluent_kafka import Producer
from hooks import before_add

STATE = Path(os.environ["COUNTER_FILE"])
TOPIC = os.environ["TOPIC_PREFIX"] + "adds"
producer = Producer({"bootstrap.servers": os.environ["KAFKA_BOOTSTRAP_SERVERS"], "log_level": 3})
lock = threading.Lock()


def total() -> int:
    return int(STATE.read_text()) if STATE.exists() else 0


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        path = urlparse(self.path).path
        if path == "/health":
            self.reply({"ok": True})
        elif path == "/total":
            self.reply({"total": total()})
        else:
            self.send_error(404)

    def do_POST(self):
        n = int(parse_qs(urlparse(self.path).query).get("n", ["1"])[0])
        before_add(n)
        with lock:
            new_total = total() + n
            STATE.write_text(str(new_total))
        producer.produce(TOPIC, value=str(n).encode())
        producer.flush(5)
        self.reply({"total": new_total})


class Server(ThreadingHTTPServer):
    request_queue_size = 128
    daemon_threads = True


if __name__ == "__main__":
    Server(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
