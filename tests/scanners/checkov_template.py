"""checkov, the scanner security teams run on CloudFormation, as a judge of infra/template.yaml.

checkov evaluates a template's conditions with its parameters' defaults, so resources made only
for some parameters (Security Hub's, TEAM's subscription, Glide's rule, a key given by ARN, an
adopted table) would go unscanned. The template is scanned as it is and once more with every
optional feature switched on; each scan must have no failed check, and every skipped check must
say why (a `checkov: skip` entry with a comment in the resource's Metadata).

Run with the checkov virtualenv's python: `python tests/scanners/checkov_template.py`.
"""

import json
import os
import subprocess
import sys
import tempfile

import yaml

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
TEMPLATE = os.path.join(ROOT, "infra", "template.yaml")
CHECKOV = os.path.join(os.path.dirname(sys.executable), "checkov")

# Parameter defaults that switch every optional resource on.
EVERYTHING_ON = {
    "SecurityHubFindings": "true",
    "KmsKeyArn": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "TeamNotificationTopicArn": "arn:aws:sns:us-east-1:111122223333:TeamNotifications-main",
    "GlideEventBusName": "glide",
    "AlarmTopicArn": "arn:aws:sns:us-east-1:111122223333:on-call",
    "ProducerAccountIds": "444455556666",
    "ProducerOrganizationId": "o-abcdefghij",
    "ExistingTableName": "access-anomalies-retained",
}


def scan(path):
    """checkov's JSON report for one template."""
    run = subprocess.run(
        [CHECKOV, "-f", path, "--framework", "cloudformation", "--skip-download",
         "-o", "json"],
        capture_output=True, text=True, check=False,
    )
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        sys.exit(f"checkov printed no JSON report (exit {run.returncode}):\n{run.stderr}")
    return report[0] if isinstance(report, list) else report


def judge(name, report):
    """Problems of one scan, as lines; the summary line is printed either way."""
    summary = report["summary"]
    results = report["results"]
    print(f"checkov {summary['checkov_version']} on {name}: {summary['passed']} passed, "
          f"{summary['failed']} failed, {summary['skipped']} skipped, "
          f"{summary['parsing_errors']} parsing errors, {summary['resource_count']} resources")
    problems = []
    for failed in results["failed_checks"]:
        problems.append(f"{name}: {failed['check_id']} fails on {failed['resource']}: "
                        f"{failed['check_name']}")
    for skipped in results["skipped_checks"]:
        if not (skipped["check_result"].get("suppress_comment") or "").strip():
            problems.append(f"{name}: {skipped['check_id']} is skipped on "
                            f"{skipped['resource']} without a reason")
    if summary["parsing_errors"]:
        problems.append(f"{name}: checkov could not parse it")
    if summary["passed"] == 0:
        problems.append(f"{name}: no check ran")
    return problems


def main():
    with open(TEMPLATE, encoding="utf-8") as f:
        template = yaml.safe_load(f)
    for parameter, value in EVERYTHING_ON.items():
        template["Parameters"][parameter]["Default"] = value
    problems = judge("infra/template.yaml", scan(TEMPLATE))
    with tempfile.TemporaryDirectory() as tmp:
        variant = os.path.join(tmp, "template-everything-on.yaml")
        with open(variant, "w", encoding="utf-8") as f:
            yaml.safe_dump(template, f, sort_keys=False)
        problems += judge("the template with every optional feature on", scan(variant))
    for problem in problems:
        print(problem, file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
