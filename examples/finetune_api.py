"""Fine-tune through OpenAI's API on a `looptune serve`, then chat with the result: the official client only.

    looptune serve &                                   # http://127.0.0.1:8000/v1
    python examples/finetune_api.py traces.jsonl       # upload, train, watch, then ask with a tool offered

The same script drives OpenAI's own service (`--base-url https://api.openai.com/v1 --model gpt-4.1-mini-...`,
the key in $OPENAI_API_KEY): nothing in it knows which server it talks to. It prints how long each phase took.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from openai import OpenAI

CALC = {
    "type": "function",
    "function": {
        "name": "calc__evaluate",
        "description": "Evaluate an arithmetic expression exactly.",
        "parameters": {"type": "object", "properties": {"expression": {"type": "string"}}, "required": ["expression"]},
    },
}
ENDED = {"succeeded", "failed", "cancelled"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("train", type=Path, help="chat JSONL or looptune traces")
    parser.add_argument("--base-url", default="http://127.0.0.1:8000/v1")
    parser.add_argument("--model", default="bundled", help="the base model to tune (default: bundled)")
    parser.add_argument("--suffix", default="example")
    parser.add_argument("--ask", default="What is 17 times 23?", help="the question for the tuned model")
    args = parser.parse_args()
    api = OpenAI(base_url=args.base_url, api_key=os.environ.get("OPENAI_API_KEY", "unused"), max_retries=0)

    started = time.monotonic()
    with args.train.open("rb") as handle:
        upload = api.files.create(file=handle, purpose="fine-tune")
    print(f"upload: {upload.status} in {time.monotonic() - started:.1f} s")
    if upload.status == "error":
        print(upload.status_details, file=sys.stderr)
        return 1
    job = api.fine_tuning.jobs.create(model=args.model, training_file=upload.id, suffix=args.suffix)
    created, status = time.monotonic(), ""
    while job.status not in ENDED:
        time.sleep(5)  # a poll interval: jobs take minutes
        job = api.fine_tuning.jobs.retrieve(job.id)
        if job.status != status:
            status = job.status
            print(f"{time.monotonic() - created:7.1f} s  {job.id}: {status}")
    if job.status != "succeeded" or job.fine_tuned_model is None:
        print(f"{job.status}: {job.error}", file=sys.stderr)
        return 1
    print(f"{job.fine_tuned_model}: {job.trained_tokens} tokens in {time.monotonic() - created:.0f} s")
    asked = time.monotonic()
    reply = api.chat.completions.create(
        model=job.fine_tuned_model, messages=[{"role": "user", "content": args.ask}], tools=[CALC], max_tokens=64
    )
    message = reply.choices[0].message
    answer = message.tool_calls[0].function if message.tool_calls else message.content
    print(f"answer in {time.monotonic() - asked:.1f} s: {answer}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
