#!/usr/bin/env python3
"""Validates an HTML document (argument 1) with html5lib's strict parser (any parse error
fails), and prints JSON facts about a DOM (argument 2, e.g. chromium's --dump-dom): the number
of script elements and the text of every table cell."""
import json
import sys

import html5lib

with open(sys.argv[1], "rb") as f:
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(f)

with open(sys.argv[2], "rb") as f:
    dom = html5lib.parse(f, namespaceHTMLElements=False)
json.dump({
    "scripts": len(dom.findall(".//script")),
    "cells": ["".join(td.itertext()) for td in dom.iter("td")],
    "title": "".join(dom.find(".//title").itertext()),
}, sys.stdout)
