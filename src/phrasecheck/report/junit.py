"""JUnit XML for CI test views: one test case per conversation, one failure per standing finding."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TextIO

from phrasecheck.config.profile import Profile
from phrasecheck.data import Run
from phrasecheck.report.cifmt import standing, turn_line


def emit_junit(run: Run, profile: Profile, out: TextIO) -> None:
    suites = ET.Element("testsuites", name="phrasecheck")
    suite = ET.SubElement(suites, "testsuite", name="phrasecheck")
    tests = failures = errors = 0
    for r in run.results:
        c = r.conversation
        tests += 1
        case = ET.SubElement(suite, "testcase", classname=f"agent.{c.agent_id}", name=c.conversation_id, file=c.source)
        for f in standing(r):
            failures += 1
            line = turn_line(r, f)
            where = f"{c.source}:{line}" if line else c.source
            failure = ET.SubElement(case, "failure", type=f.id, message=f"{f.id} {f.message}")
            failure.text = f"{where} turn {f.turn + 1}: {f.text}\nsay instead: {f.suggestion}\nattitude {r.attitude_score:g}/10"
    for e in run.errors:
        tests += 1
        errors += 1
        case = ET.SubElement(suite, "testcase", classname="input", name=e.source, file=e.source)
        ET.SubElement(case, "error", type="InputError", message=str(e))
    for el in (suites, suite):
        el.set("tests", str(tests))
        el.set("failures", str(failures))
        el.set("errors", str(errors))
    ET.indent(suites)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(suites, encoding="unicode"))
    out.write("\n")
