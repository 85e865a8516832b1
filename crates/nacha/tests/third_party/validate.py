"""Validate NACHA files with achlens (an independent validator) and report as JSON lines.

usage: python validate.py FILE... ; exit status 0 when every file is valid (no error
findings), 1 when any is not, 2 on usage errors. One JSON object per file on stdout:
{"file", "valid", "counts", "findings": [{"rule", "severity", "line", "field", "message"}]}
"""

import json
import sys

from achlens.core import validate


def main(paths):
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    all_valid = True
    for path in paths:
        with open(path, encoding="ascii", newline="") as f:
            text = f.read()
        report = validate(text, max_findings=50)
        all_valid = all_valid and report.valid
        print(
            json.dumps(
                {
                    "file": path,
                    "valid": report.valid,
                    "counts": report.counts,
                    "findings": [
                        {
                            "rule": x.rule_id,
                            "severity": x.severity,
                            "line": x.line_number,
                            "field": x.field,
                            "message": x.message,
                        }
                        for x in report.findings
                    ],
                }
            )
        )
    return 0 if all_valid else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
