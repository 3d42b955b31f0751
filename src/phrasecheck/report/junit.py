"""JUnit XML for CI test views: one test case per conversation, one failure element per finding that fails
the run (other standing findings are listed in the case's system-out as warnings); `failures` counts the
failing cases."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TextIO

from phrasecheck.config.profile import Profile
from phrasecheck.data import Run
from phrasecheck.report.cifmt import courtesy_shortfall, level, turn_line
from phrasecheck.report.options import DEFAULT_OPTIONS, EmitOptions


def emit_junit(run: Run, profile: Profile, out: TextIO, options: EmitOptions = DEFAULT_OPTIONS) -> None:
    suites = ET.Element("testsuites", name="phrasecheck")
    suite = ET.SubElement(suites, "testsuite", name="phrasecheck")
    tests = failures = errors = skipped = 0
    for r in run.results:
        c = r.conversation
        tests += 1
        case = ET.SubElement(suite, "testcase", classname=f"agent.{c.agent_id}", name=c.conversation_id, file=c.source)
        warnings = []
        failed = False  # `failures` counts failing test cases, as JUnit readers do, not their findings
        for f in r.findings:
            line = turn_line(r, f)
            where = f"{c.source}:{line}" if line else c.source
            detail = f"{where} turn {f.turn_no}: {f.text}\nsay instead: {f.suggestion}\nattitude {r.attitude_score:g}/10"
            severity = level(f, options.fail_on, profile.count_review)
            if severity == "error":
                failed = True
                failure = ET.SubElement(case, "failure", type=f.id, message=f"{f.id} {f.message}")
                failure.text = detail
            elif severity == "warning":
                warnings.append(f"warning {f.id} {f.message}: {detail}")
        shortfall = courtesy_shortfall(r, options.fail_on, profile.weights.courtesy_target)
        if shortfall:
            failed = True
            ET.SubElement(case, "failure", type="courtesy", message=shortfall).text = f"{c.source}: {shortfall}"
        if warnings:
            ET.SubElement(case, "system-out").text = "\n".join(warnings)
        failures += failed
    for e in run.errors:
        tests += 1
        case = ET.SubElement(suite, "testcase", classname="input", name=e.source, file=e.source)
        if e.warning:  # a recording with no speech: not scored, and no error (exit 0), so no red case either
            skipped += 1
            ET.SubElement(case, "skipped", message=str(e))
        else:
            errors += 1
            ET.SubElement(case, "error", type="InputError", message=str(e))
    for el in (suites, suite):
        el.set("tests", str(tests))
        el.set("failures", str(failures))
        el.set("errors", str(errors))
        el.set("skipped", str(skipped))
    ET.indent(suites)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(suites, encoding="unicode"))
    out.write("\n")
