#!/usr/bin/env python3
"""Parses a Prometheus text exposition (standard input) with prometheus_client's parser and
prints its families as JSON: [{"name", "type", "help", "samples": [{"name", "labels", "value"}]}].
The parser rejects malformed exposition (it raises, and this exits non-zero)."""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

families = []
for family in text_string_to_metric_families(sys.stdin.read()):
    families.append({
        "name": family.name,
        "type": family.type,
        "help": family.documentation,
        "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in family.samples],
    })
json.dump(families, sys.stdout)
