#!/usr/bin/env python3
"""Transcripts of the synthetic eval calls -> chat JSONL the checker reads (calls.jsonl).

    python3 to_chat.py calls.script.jsonl transcripts.json calls.jsonl

transcripts.json is `phrasecheck transcribe --format json` over the recordings, each named
<conversation_id>.wav. Each turn keeps the ASR's role and text; its timestamp is the call's start
(the first scripted message's timestamp) plus the turn's start_s, so times stay with the text;
start_s/end_s stay too (so `check` and `eval` read the messages as the call they are), so does how
the roles were found (`roles`: "inferred" on a single-channel copy, which the checker treats as one),
and what acoustic verification heard (`heard`) stays with its message.
"""

import json
import sys
from datetime import datetime, timedelta
from pathlib import Path


def main(script: str, transcripts: str, out: str) -> int:
    calls: dict[str, dict] = {}
    for line in open(script, encoding="utf-8"):
        if line.strip():
            m = json.loads(line)
            calls.setdefault(m["conversation_id"], {"agent_id": m["agent_id"], "start": datetime.fromisoformat(m["timestamp"])})
    heard = {Path(t["source"]).stem: t for t in json.load(open(transcripts, encoding="utf-8"))}
    missing = [cid for cid in calls if not heard.get(cid, {}).get("turns")]
    with open(out, "w", encoding="utf-8") as f:
        for cid, call in calls.items():
            for turn in heard.get(cid, {}).get("turns", []):
                ts = call["start"] + timedelta(seconds=round(turn["start_s"]))
                message = {
                    "conversation_id": cid,
                    "agent_id": call["agent_id"],
                    "role": turn["role"],
                    "roles": heard[cid]["roles"],
                    "text": turn["text"],
                    "timestamp": ts.isoformat(),
                    "start_s": turn["start_s"],  # offsets into the recording: checked as the call it is
                    "end_s": turn["end_s"],
                }
                if turn.get("heard"):  # acoustic verification of the opening words (issue #11)
                    message["heard"] = turn["heard"]
                f.write(json.dumps(message, ensure_ascii=False) + "\n")
    for cid in missing:
        print(f"{cid}: no transcript turns", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
