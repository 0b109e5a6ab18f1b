#!/usr/bin/env python3
"""Write the schemas of the events Access Anomalies publishes on the anomalies bus, from the
API's OpenAPI document (shared/api/openapi.json, where the anomaly record is defined once):

- events/schema/<event>.v1.schema.json: JSON Schema 2020-12 of the whole EventBridge event
  (envelope + detail), self-contained;
- events/schema/registry/<event>.v1.openapi3.json: the same as an OpenAPI 3.0 document, the
  form an EventBridge schema registry takes (`aws schemas create-schema --type OpenApi3`).

`python3 events/make_schemas.py --check` exits 1 when a file is not what this writes (a test
runs it)."""

import copy
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OPENAPI = json.loads((ROOT / "shared/api/openapi.json").read_text())
COMPONENTS = OPENAPI["components"]["schemas"]
SOURCE = "access-anomalies"
TIME = {"type": "string", "format": "date-time"}

# The details that are not API responses, defined here once.
REVOKE = copy.deepcopy(COMPONENTS["RevokeAccepted"]["properties"]["revoke"])
REVOKE.pop("description", None)
DELIVERY_FAILED = {
    "type": "object",
    "required": ["delivery_id", "tenant_id", "webhook_id", "webhook_name", "anomaly_id",
                 "event_type", "attempts", "first_attempt_at", "failed_at", "error"],
    "properties": {
        "delivery_id": {"type": "string", "pattern": "^msg_"},
        "tenant_id": {"type": "string"},
        "webhook_id": {"type": "string", "pattern": "^wh_[0-9a-f]{24}$"},
        "webhook_name": {"type": "string"},
        "anomaly_id": {"type": "string"},
        "event_type": {"enum": ["Anomaly Detected", "Anomaly Updated"]},
        "attempts": {"type": "integer", "minimum": 1},
        "first_attempt_at": {"$ref": "#/components/schemas/Time"},
        "failed_at": {"$ref": "#/components/schemas/Time"},
        "status_code": {"type": "integer"},
        "error": {"type": "string"},
    },
    "additionalProperties": False,
}

# detail-type → (file stem, description, detail schema).
EVENTS = {
    "Anomaly Detected": ("anomaly-detected", "A new anomaly; the detail is the anomaly record.",
                         {"$ref": "#/components/schemas/Anomaly"}),
    "Anomaly Updated": ("anomaly-updated",
                        "An anomaly changed (grew, triaged, revocation requested); the detail is "
                        "the anomaly record as it now is.",
                        {"$ref": "#/components/schemas/Anomaly"}),
    "Revoke Access Requested": ("revoke-access-requested",
                                "An analyst asked for the access behind an anomaly to be revoked.",
                                REVOKE),
    "Webhook Delivery Failed": ("webhook-delivery-failed",
                                "A webhook delivery failed for good (after its last retry).",
                                DELIVERY_FAILED),
}


def refs(value, found):
    """Every component a schema refers to, transitively."""
    if isinstance(value, dict):
        ref = value.get("$ref", "")
        if ref.startswith("#/components/schemas/"):
            name = ref.rsplit("/", 1)[1]
            if name not in found:
                found.add(name)
                refs(COMPONENTS[name], found)
        for v in value.values():
            refs(v, found)
    elif isinstance(value, list):
        for v in value:
            refs(v, found)
    return found


def rewrite(value, old, new):
    if isinstance(value, dict):
        return {k: (v.replace(old, new) if k == "$ref" else rewrite(v, old, new))
                for k, v in value.items()}
    if isinstance(value, list):
        return [rewrite(v, old, new) for v in value]
    return value


def envelope(detail_type, detail):
    """The EventBridge event around `detail`."""
    return {
        "type": "object",
        # EventBridge fills the envelope; the fields we set are required (moto, the tests'
        # emulator, leaves out `account`).
        "required": ["detail-type", "source", "time", "resources", "detail"],
        "properties": {
            "version": {"type": "string"},
            "id": {"type": "string"},
            "detail-type": {"const": detail_type},
            "source": {"const": SOURCE},
            "account": {"type": "string"},
            "time": TIME,
            "region": {"type": "string"},
            "resources": {"type": "array", "items": {"type": "string"},
                          "description": "The anomaly id."},
            "detail": detail,
        },
    }


def json_schema(detail_type, stem, description, detail):
    schema = envelope(detail_type, detail)
    names = sorted(refs(detail, set()))
    doc = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://access-anomalies.dev/schema/{stem}.v1.schema.json",
        "title": detail_type,
        "description": f"{description} Source {SOURCE}; version 1 (additive changes only).",
        **schema,
        "$defs": {n: COMPONENTS[n] for n in names},
    }
    return rewrite(doc, "#/components/schemas/", "#/$defs/")


def openapi3(value):
    """A JSON Schema 2020-12 fragment as an OpenAPI 3.0 schema object."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k == "const":
                out["enum"] = [v]
            elif k in ("$schema", "$id", "$defs"):
                continue
            else:
                out[k] = openapi3(v)
        return out
    if isinstance(value, list):
        return [openapi3(v) for v in value]
    return value


def registry(detail_type, stem, description, detail):
    names = sorted(refs(detail, set()))
    schemas = {"AWSEvent": openapi3(envelope(detail_type, detail))}
    schemas.update({n: openapi3(COMPONENTS[n]) for n in names})
    return {
        "openapi": "3.0.0",
        "info": {"version": "1.0.0", "title": detail_type, "description": description},
        "paths": {},
        "components": {"schemas": schemas},
        "x-amazon-events-source": SOURCE,
        "x-amazon-events-detail-type": detail_type,
    }


def files():
    for detail_type, (stem, description, detail) in EVENTS.items():
        yield (ROOT / f"events/schema/{stem}.v1.schema.json",
               json_schema(detail_type, stem, description, detail))
        yield (ROOT / f"events/schema/registry/{stem}.v1.openapi3.json",
               registry(detail_type, stem, description, detail))


def main():
    check = "--check" in sys.argv[1:]
    stale = []
    for path, doc in files():
        text = json.dumps(doc, indent=2) + "\n"
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(str(path.relative_to(ROOT)))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    if stale:
        print("not what events/make_schemas.py writes: " + ", ".join(stale), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
