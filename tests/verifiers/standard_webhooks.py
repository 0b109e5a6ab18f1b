"""Verify one webhook delivery with the Standard Webhooks reference library (PyPI
`standardwebhooks`), as a receiver would. Reads {"secret", "headers", "body_base64"} as JSON on
stdin; prints {"valid": true} or {"valid": false, "error": "..."}."""

import base64
import json
import sys

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

case = json.load(sys.stdin)
body = base64.b64decode(case["body_base64"])
try:
    Webhook(case["secret"]).verify(body, case["headers"], json_parse=False)
    print(json.dumps({"valid": True}))
except (WebhookVerificationError, ValueError) as error:
    print(json.dumps({"valid": False, "error": str(error)}))
