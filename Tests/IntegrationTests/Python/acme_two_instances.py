#!/usr/bin/env python3
"""One ACME client, two certctl instances on one PostgreSQL database: each request goes to the other
instance than the last (as behind a load balancer: the same Host header for both), and the order
completes. Prints one JSON line per step.

    acme_two_instances.py PORT_A PORT_B CA_FILE HTTP01_PORT
"""
import http.server
import json
import sys
import threading

sys.path.insert(0, __import__("os").path.dirname(__file__))
import acme_client  # noqa: E402

PORT_A, PORT_B, CA_FILE, HTTP01_PORT = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
client = acme_client.Client(f"https://127.0.0.1:{PORT_A}/acme/web/directory", CA_FILE, ports=[PORT_A, PORT_B])
account = acme_client.Account()
step = lambda name, status, body: print(json.dumps({"step": name, "status": status, "body_status": body.get("status") if isinstance(body, dict) else None}), flush=True)

status, headers, body = client.post(account, client.directory["newAccount"], {"termsOfServiceAgreed": True})
account.kid = headers["Location"]
step("new_account", status, body)
status, headers, order = client.post(account, client.directory["newOrder"], {"identifiers": [{"type": "dns", "value": "ha.example.test"}]})
step("new_order", status, order)
_, _, authz = client.post(account, order["authorizations"][0], None)
challenge = next(c for c in authz["challenges"] if c["type"] == "http-01")
answers = {challenge["token"]: f"{challenge['token']}.{account.thumbprint()}"}


class Challenge(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        token = self.path.rsplit("/", 1)[-1]
        self.send_response(200 if token in answers else 404)
        self.end_headers()
        self.wfile.write(answers.get(token, "").encode())

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", HTTP01_PORT), Challenge)
threading.Thread(target=server.serve_forever, daemon=True).start()
status, _, body = client.post(account, challenge["url"], {})
step("challenge", status, body)
status, _, body = client.post(account, order["finalize"], {"csr": acme_client.csr(["ha.example.test"])})
step("finalize", status, body)
status, _, pem = client.post(account, body["certificate"], None)
print(json.dumps({"step": "certificate", "status": status, "pem": isinstance(pem, str) and "BEGIN CERTIFICATE" in pem,
                  "instances": sorted(client.used)}), flush=True)
server.shutdown()
