"""Judge AWS Security Finding Format findings, one JSON object per line on stdin, against
AWS's own service model of Security Hub (botocore's, as every AWS SDK is generated from it):
`{"Findings": [finding]}` must pass botocore's parameter validation for BatchImportFindings
(required members, types, minimum lengths), every enum value must be one the model lists
(botocore does not check those), and the limits the API reference documents must hold
(Title 256 characters, Description 1,024, 32 resources, 50 types, Recommendation.Text 512,
50 product fields of at most 2,048 characters, 240 KB per finding). Prints one JSON verdict
per line: {"valid": true} or {"valid": false, "errors": [...]}."""

import json
import sys

import botocore.session
from botocore.validate import ParamValidator

MODEL = botocore.session.get_session().get_service_model("securityhub")
FINDINGS = MODEL.operation_model("BatchImportFindings").input_shape


def enum_errors(value, shape, path):
    if shape.type_name == "structure" and isinstance(value, dict):
        for name, member in shape.members.items():
            if name in value:
                yield from enum_errors(value[name], member, f"{path}.{name}")
    elif shape.type_name == "list" and isinstance(value, list):
        for i, item in enumerate(value):
            yield from enum_errors(item, shape.member, f"{path}[{i}]")
    elif shape.type_name == "map" and isinstance(value, dict):
        for key, item in value.items():
            yield from enum_errors(item, shape.value, f"{path}[{key!r}]")
    elif shape.enum and value not in shape.enum:
        yield f"{path}: {value!r} is not one of {shape.enum}"


def limit_errors(finding):
    def longer(name, text, limit):
        if isinstance(text, str) and len(text) > limit:
            yield f"{name} has {len(text)} characters (at most {limit})"

    yield from longer("Title", finding.get("Title"), 256)
    yield from longer("Description", finding.get("Description"), 1024)
    text = finding.get("Remediation", {}).get("Recommendation", {}).get("Text")
    yield from longer("Remediation.Recommendation.Text", text, 512)
    if len(finding.get("Resources", [])) > 32:
        yield "more than 32 Resources"
    if len(finding.get("Types", [])) > 50:
        yield "more than 50 Types"
    fields = finding.get("ProductFields", {})
    if len(fields) > 50:
        yield "more than 50 ProductFields"
    for key, value in fields.items():
        yield from longer(f"ProductFields[{key!r}]", value, 2048)
    # As the SDKs send it: UTF-8, not \u escapes.
    size = len(json.dumps(finding, ensure_ascii=False).encode())
    if size > 240 * 1024:
        yield f"{size} bytes (at most 240 KB)"


for line in sys.stdin:
    if not line.strip():
        continue
    finding = json.loads(line)
    request = {"Findings": [finding]}
    report = ParamValidator().validate(request, FINDINGS)
    errors = [e for e in report.generate_report().splitlines() if e.strip()]
    errors += list(enum_errors(request, FINDINGS, "BatchImportFindings"))
    errors += list(limit_errors(finding))
    verdict = {"valid": not errors}
    if errors:
        verdict["errors"] = errors
    print(json.dumps(verdict), flush=True)
