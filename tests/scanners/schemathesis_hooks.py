"""The rules of the API that the OpenAPI document states in words because JSON Schema cannot.

schemathesis sends requests the document allows and expects them accepted (ST202). A few
rules depend on state or on a grammar no JSON Schema keyword describes; a request refused for
one of them is not a disagreement between the document and the API. Each is listed here with
where its own tests are, and only a 400 whose error names that rule is let through; every
other check, and every other refusal, still fails the run.

Loaded with SCHEMATHESIS_HOOKS=schemathesis_hooks (tests/scanners on PYTHONPATH).
"""

import json

import schemathesis

# (operation, what the 400's error names) -> why the document cannot say it.
STATED_IN_WORDS = {
    ("GET /v1/anomalies", "cursor"): "a cursor is issued by the API and signed (shared/api/src/cursor.rs)",
    ("GET /v1/users", "cursor"): "a cursor is issued by the API and signed (shared/api/src/cursor.rs)",
    ("POST /v1/anomalies/triage", "filter"): (
        "the filter is a query string of GET /v1/anomalies, whose parameters schemathesis "
        "checks on that route; its grammar as one string is not a JSON Schema pattern"
    ),
    ("POST /v1/webhooks", "format.template"): (
        "a template must compile as minijinja and name only event_type, event_time and data "
        "(shared/webhooks/src/format/fuzz.rs)"
    ),
    ("PATCH /v1/webhooks/{id}", "format.template"): (
        "a template must compile as minijinja and name only event_type, event_time and data "
        "(shared/webhooks/src/format/fuzz.rs)"
    ),
    ("POST /v1/events", "line"): (
        "an event is judged against the contract (events/schema, shared/core/src/contract/fuzz.rs) "
        "and the caller's state: its tenant, the clock, a state change's earlier request"
    ),
}


def named_rule(operation, response):
    """What a 400 response names: a parameter or field, or `line` for a rejected event."""
    try:
        body = json.loads(response.content)
    except (ValueError, TypeError):
        return None
    if not isinstance(body, dict):
        return None
    if isinstance(body.get("rejected"), list) and body["rejected"]:
        return "line"
    error = body.get("error")
    if not isinstance(error, dict):
        return None
    if operation == "POST /v1/anomalies/triage" and error.get("code") == "invalid_parameter":
        # The filter's own parameters are named as they are in the list route's query.
        return "filter"
    return error.get("parameter")


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """Keep every failure but a schema-valid request refused for a rule stated in words."""
    if failure.code != "ST202" or response.status_code != 400:
        return True
    operation = f"{case.operation.method.upper()} {case.operation.path}"
    return (operation, named_rule(operation, response)) not in STATED_IN_WORDS
