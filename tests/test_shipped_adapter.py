"""What `--adapter` means for the local backend: the shipped LoRA by default on the bundled model, a path, or none."""

from __future__ import annotations

import pytest

from agent.backends.base import BackendError
from agent.models import shipped
from agent.models.shipped import resolve_adapter


@pytest.fixture
def ships(tmp_path, monkeypatch):
    folder = tmp_path / "bundled_adapter"
    folder.mkdir()
    (folder / "adapter_config.json").write_text("{}")
    monkeypatch.setattr(shipped, "SHIPPED", folder)
    return folder


@pytest.fixture
def ships_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(shipped, "SHIPPED", tmp_path / "absent")


def test_the_bundled_model_gets_the_shipped_adapter_unless_told_otherwise(ships):
    assert resolve_adapter(None, None) == str(ships) == resolve_adapter(None, "bundled")
    assert resolve_adapter("none", None) is None and resolve_adapter("OFF", "bundled") is None
    assert resolve_adapter("bundled", "bundled") == str(ships)


def test_another_model_or_an_explicit_path_never_gets_the_shipped_adapter(ships):
    assert resolve_adapter(None, "/models/qwen") is None
    assert resolve_adapter("out/checkpoint-50", None) == "out/checkpoint-50"


def test_without_a_shipped_adapter_the_default_is_the_plain_model_and_asking_for_it_is_an_error(ships_nothing):
    assert resolve_adapter(None, None) is None
    with pytest.raises(BackendError, match="no adapter ships with this build"):
        resolve_adapter("bundled", None)
