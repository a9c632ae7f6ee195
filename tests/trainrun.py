"""Run `looptune train` as a user would, on a tiny model: one trace, a small config, a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

TIMEOUT_S = 300
TRACE = {
    "messages": [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "Add 'buy milk' for Friday"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "tasks__add_task", "arguments": '{"title": "buy milk", "due": "2026-11-27"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "Added task id 1: buy milk (due 2026-11-27)"},
        {"role": "assistant", "content": "Added 'buy milk', due Friday."},
    ],
    "tools": [
        {
            "type": "function",
            "function": {
                "name": "tasks__add_task",
                "description": "Add a task.",
                "parameters": {
                    "type": "object",
                    "properties": {"title": {"type": "string"}, "due": {"type": "string"}},
                    "required": ["title"],
                },
            },
        }
    ],
    "meta": {"category": "single_tool", "passed": True},
}


def write_data(folder: Path, copies: int = 16) -> Path:
    data = folder / "traces.jsonl"
    data.write_text("".join(json.dumps(TRACE) + "\n" for _ in range(copies)) + '{"broken": true}\n')
    return data


def write_config(folder: Path, model: Path, **more) -> Path:
    config = {
        "base_model": str(model),
        "data": str(write_data(folder)),
        "output_dir": str(folder / "out"),
        "lora_r": 4,
        "lora_alpha": 8,
        "target_modules": ["q_proj", "v_proj", "o_proj", "up_proj", "down_proj"],
        "learning_rate": 3e-2,
        "warmup_ratio": 0.0,
        "grad_accumulation": 1,
        "logging_steps": 1,
        "max_steps": 8,
        "save_steps": 4,
        **more,
    }
    path = folder / "train.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def looptune_train(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "agent.cli.main", "train", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT_S)
