"""Judge OCSF Detection Findings, one JSON object per line on stdin: each must parse as
py-ocsf-models' DetectionFinding (PyPI `py-ocsf-models`, pydantic), carry every attribute the
OCSF 1.5.0 schema requires, use only attributes the class (with the profiles it declares)
defines, and keep type_uid = class_uid * 100 + activity_id. Prints one JSON verdict per line:
{"valid": true} or {"valid": false, "errors": [...]}.

The attribute lists below are read from the schema repository (ocsf/ocsf-schema, tag 1.5.0):
events/base_event.json, events/findings/finding.json, events/findings/detection_finding.json,
profiles/*.json and the objects named, following `extends` and `$include`."""

import json
import sys

from py_ocsf_models.events.findings.detection_finding import DetectionFinding
from pydantic import ValidationError

BASE_EVENT = {
    "activity_id", "activity_name", "category_name", "category_uid", "class_name",
    "class_uid", "count", "duration", "end_time", "enrichments", "message", "metadata",
    "observables", "raw_data", "raw_data_size", "severity", "severity_id", "start_time",
    "status", "status_code", "status_detail", "status_id", "time", "timezone_offset",
    "type_name", "type_uid", "unmapped",
}
FINDING = {
    "comment", "confidence", "confidence_id", "confidence_score", "device", "finding_info",
    "vendor_attributes",
}
DETECTION_FINDING = {
    "anomaly_analyses", "evidences", "impact", "impact_id", "impact_score", "is_alert",
    "malware", "malware_scan_info", "remediation", "resources", "risk_details", "risk_level",
    "risk_level_id", "risk_score", "vulnerabilities",
}
# What each profile a finding may declare adds at the top level.
PROFILES = {
    "host": {"actor", "device"},
    "cloud": {"api", "cloud"},
    "datetime": set(),
    "osint": {"osint"},
    "security_control": {"action", "action_id", "attacks", "authorizations", "confidence",
                         "confidence_id", "confidence_score", "disposition", "disposition_id",
                         "firewall_rule", "is_alert", "malware", "malware_scan_info", "policy",
                         "risk_details", "risk_level", "risk_level_id", "risk_score"},
    "incident": {"assignee", "assignee_group", "impact", "impact_id", "impact_score",
                 "is_suspected_breach", "priority", "priority_id", "src_url", "ticket",
                 "tickets", "verdict", "verdict_id"},
}
# Required attributes, by path ("" is the event itself).
REQUIRED = {
    "": ["activity_id", "category_uid", "class_uid", "finding_info", "metadata",
         "severity_id", "time", "type_uid"],
    "finding_info": ["uid"],
    "metadata": ["product", "version"],
    "remediation": ["desc"],
    "finding_info.analytic": ["type_id"],
}
ENUMS = {
    "activity_id": {0, 1, 2, 3, 99},
    "severity_id": {0, 1, 2, 3, 4, 5, 6, 99},
    "status_id": {0, 1, 2, 3, 4, 5, 6, 99},
}


def at(finding, path):
    value = finding
    for part in filter(None, path.split(".")):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def judge(finding):
    errors = []
    try:
        DetectionFinding.model_validate(finding)
    except ValidationError as error:
        errors += [f"py-ocsf-models: {e['loc']}: {e['msg']}" for e in error.errors()]
    for path, names in REQUIRED.items():
        holder = at(finding, path)
        if holder is None and path:
            continue  # an optional object that is absent
        errors += [f"{path or 'event'}: {name} is required" for name in names
                   if name not in holder]
    allowed = BASE_EVENT | FINDING | DETECTION_FINDING
    for profile in at(finding, "metadata.profiles") or []:
        allowed |= PROFILES.get(profile, set())
    errors += [f"{name} is not an attribute of Detection Finding (or its declared profiles)"
               for name in finding if name not in allowed]
    if finding.get("class_uid") != 2004 or finding.get("category_uid") != 2:
        errors.append("not a Detection Finding (class_uid 2004, category_uid 2)")
    if finding.get("type_uid") != finding.get("class_uid", 0) * 100 + finding.get("activity_id", 0):
        errors.append("type_uid is not class_uid * 100 + activity_id")
    for name, values in ENUMS.items():
        if name in finding and finding[name] not in values:
            errors.append(f"{name} {finding[name]} is not one of {sorted(values)}")
    # The schema's at_least_one constraints on the objects we fill.
    user = at(finding, "actor.user")
    if user is not None and not {"account", "name", "uid"} & set(user):
        errors.append("actor.user needs one of account, name, uid")
    for i, resource in enumerate(finding.get("resources") or []):
        if not {"name", "uid"} & set(resource):
            errors.append(f"resources[{i}] needs one of name, uid")
    for i, evidence in enumerate(finding.get("evidences") or []):
        if not {"actor", "api", "data", "device", "resources", "user", "url"} & set(evidence):
            errors.append(f"evidences[{i}] carries no artifact")
    if at(finding, "metadata.version") != "1.5.0":
        errors.append("metadata.version is not 1.5.0")
    return errors


for line in sys.stdin:
    if line.strip():
        errors = judge(json.loads(line))
        print(json.dumps({"valid": not errors, "errors": errors} if errors else {"valid": True}))
