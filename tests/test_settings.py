"""Typed settings (backend, eval, trace generation): YAML round trips, errors naming file and field, flags in."""

from __future__ import annotations

import pytest

from agent.backends.settings import BackendSettings, LocalOptions, effective_adapter
from agent.serve.settings import ServerSettings
from agent.settings import SettingsError, dump_settings, load_settings, save_settings
from eval.settings import EvalSettings
from training.traces.settings import GenerateSettings

LOCAL = LocalOptions(constrain=True, plain_decode=True, name_prior=2.5, name_prior_method="lexical", device="cpu")
BACKEND = BackendSettings(backend="local", model="m", adapter="out/checkpoint-4", local=LOCAL)
SAMPLES = [
    BACKEND,
    EvalSettings(tasks="t.jsonl", output="run", trials=3, distractors=2, temperature=0.5, backend=BACKEND),
    EvalSettings(tasks="t.jsonl", output="sweep", adapters=["a", "b"], distractors="none"),
    GenerateSettings(tasks="t.jsonl", output="traces.jsonl", teacher=BACKEND, seed=7, retry_rejected=True),
    GenerateSettings(tasks="t.jsonl", output="traces.jsonl"),
    ServerSettings(adapters=[("tuned", "out/a")], host="0.0.0.0", api_key_file="key", max_body_mb=0.5, local=LOCAL),
    ServerSettings(),
]


@pytest.mark.parametrize("settings", SAMPLES, ids=lambda s: type(s).__name__)
def test_settings_saved_as_yaml_load_back_equal(tmp_path, settings):
    path = save_settings(settings, tmp_path / "settings.yaml")
    assert load_settings(type(settings), path) == settings
    assert path.read_text() == dump_settings(settings)


def test_a_bad_value_is_an_error_naming_the_file_and_the_field(tmp_path):
    path = tmp_path / "eval.yaml"
    path.write_text("tasks: t.jsonl\noutput: run\ntrials: 0\n")
    with pytest.raises(SettingsError, match=r"eval\.yaml: trials: Input should be greater than or equal to 1") as e:
        load_settings(EvalSettings, path)
    assert e.value.exit_code == 2


def test_a_bad_nested_field_is_named_by_its_path(tmp_path):
    path = tmp_path / "gen.yaml"
    path.write_text("tasks: t.jsonl\noutput: o.jsonl\nteacher: {backend: local, local: {name_prior: -1}}\n")
    with pytest.raises(SettingsError, match=r"gen\.yaml: teacher\.local\.name_prior: "):
        load_settings(GenerateSettings, path)


def test_an_unknown_field_and_a_missing_one_are_named(tmp_path):
    path = tmp_path / "eval.yaml"
    path.write_text("tasks: t.jsonl\noutput: run\ntrails: 2\n")
    with pytest.raises(SettingsError, match=r"eval\.yaml: trails: Extra inputs are not permitted"):
        load_settings(EvalSettings, path)
    path.write_text("output: run\n")
    with pytest.raises(SettingsError, match=r"eval\.yaml: tasks: Field required"):
        load_settings(EvalSettings, path)


def test_a_file_that_is_not_a_mapping_or_not_yaml_is_refused_with_its_name(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("- a\n- b\n")
    with pytest.raises(SettingsError, match=r"x\.yaml: settings are a mapping"):
        load_settings(EvalSettings, path)
    path.write_text("tasks: [unclosed\n")
    with pytest.raises(SettingsError, match=r"x\.yaml:2: not valid YAML"):
        load_settings(EvalSettings, path)


def test_an_api_key_is_never_written_with_the_settings():
    text = dump_settings(BackendSettings(backend="openai", base_url="http://h/v1", api_key="sk-secret"))
    assert "sk-secret" not in text and "api_key" not in text
    text = dump_settings(ServerSettings(api_key="sk-served"))
    assert "sk-served" not in text and "api_key:" not in text


def test_the_name_prior_needs_the_constraint():
    with pytest.raises(ValueError, match="name_prior steers the constrained decoder"):
        LocalOptions(constrain=False, name_prior=1.0)


def test_local_options_give_the_extra_dict_run_settings_have_always_recorded():
    assert LocalOptions().extra() == {"constrain": True, "prefix_cache": True, "quant": "int4"}
    assert LOCAL.extra() == {
        "constrain": True,
        "prefix_cache": True,
        "draft_len": 0,
        "name_prior": 2.5,
        "name_prior_method": "lexical",
        "device": "cpu",
        "quant": "int4",
    }
    assert BackendSettings(backend="openai", local=LOCAL).extra() == {}


def test_the_adapter_is_resolved_once_and_none_means_the_plain_model():
    assert effective_adapter(BackendSettings(adapter="none")) is None
    assert effective_adapter(BackendSettings(adapter="out/a")) == "out/a"
    assert effective_adapter(BackendSettings(backend="openai", adapter="lora-name")) == "lora-name"


def test_eval_flags_become_typed_settings_with_the_name_prior_in_the_local_options():
    from agent.cli.eval_cmd import eval_settings
    from agent.cli.main import build_parser

    argv = ["eval", "t.jsonl", "-o", "r", "--name-prior", "1.5", "--shortlist-method", "lexical", "--adapter", "a", "b"]
    settings = eval_settings(build_parser().parse_args(argv))
    assert (settings.tasks, settings.output, settings.adapters) == ("t.jsonl", "r", ["a", "b"])
    assert settings.backend.local.extra()["name_prior"] == 1.5
    assert settings.backend.local.name_prior_method == "lexical" and settings.backend.adapter is None


def test_trace_generation_flags_name_the_teacher_as_the_backend():
    from agent.cli.main import build_parser
    from agent.cli.traces_cmd import generate_settings

    argv = ["traces", "generate", "--tasks", "t.jsonl", "-o", "o.jsonl", "--teacher", "scripted", "--script", "s"]
    settings = generate_settings(build_parser().parse_args(argv))
    assert (settings.teacher.backend, settings.teacher.script, settings.jobs) == ("scripted", "s", 4)


def test_serve_flags_become_typed_settings_with_the_adapters_and_local_options():
    from agent.cli.main import build_parser
    from agent.cli.serve_cmd import server_settings

    argv = ["serve", "--adapter", "tuned=out/a", "--adapter", "b=out/b", "--port", "0", "--plain-decode"]
    settings = server_settings(build_parser().parse_args([*argv, "--shortlist", "0", "--api-key", "k"]))
    assert settings.adapters == [("tuned", "out/a"), ("b", "out/b")] and settings.port == 0
    assert (settings.model, settings.shortlist, settings.api_key) == ("bundled", 0, "k")
    assert settings.local.plain_decode and settings.local.constrain


def test_quant_and_batch_flags_become_local_options_and_a_clash_names_both_flags():
    from agent.cli.errors import CliError
    from agent.cli.main import build_parser
    from agent.cli.serve_cmd import server_settings

    def local(*flags: str) -> LocalOptions:
        return server_settings(build_parser().parse_args(["serve", "--api-key", "k", *flags])).local

    assert (local().quant, local().max_batch) == ("int4", 8)
    assert (local("--quant", "fp32", "--max-batch", "2").quant, local("--max-batch", "2").max_batch) == ("fp32", 2)
    assert local("--int8").quant == "int8"
    with pytest.raises(CliError, match="--int8 is --quant int8: it cannot go with --quant int4"):
        local("--int8", "--quant", "int4")
    with pytest.raises(CliError, match="--max-batch must be 1 or more, not 0"):
        local("--max-batch", "0")
