"""The Go-template subset behind `inspect -f` and `--format`."""

from __future__ import annotations

import pytest

from dockyard.cli.template import Template, TemplateError

CONTAINER = {
    "Name": "/web",
    "State": {"Status": "running", "Pid": 42, "Running": True},
    "Config": {"Env": ["A=1", "B=2"], "Labels": {"tier": "web", "app": "shop"}},
    "HostConfig": {"RestartPolicy": {"Name": "always", "MaximumRetryCount": 0}},
}


def render(source: str) -> str:
    return Template(source).render(CONTAINER)


def test_dotted_paths_print_the_value() -> None:
    assert render("{{.State.Status}}") == "running"


def test_numbers_and_booleans_print_like_go() -> None:
    assert render("{{.State.Pid}} {{.State.Running}}") == "42 true"


def test_json_function_prints_compact_json() -> None:
    assert render("{{json .Config.Env}}") == '["A=1","B=2"]'


def test_pipelines_pass_the_value_on() -> None:
    assert render("{{.HostConfig.RestartPolicy | json}}") == (
        '{"Name":"always","MaximumRetryCount":0}'
    )


def test_maps_print_like_go_with_sorted_keys() -> None:
    assert render("{{.Config.Labels}}") == "map[app:shop tier:web]"


def test_missing_fields_print_no_value() -> None:
    assert render("{{.State.Health}}") == "<no value>"


def test_index_reads_a_map_key() -> None:
    assert render('{{index .Config.Labels "tier"}}') == "web"


def test_join_joins_a_list() -> None:
    assert render('{{join .Config.Env ","}}') == "A=1,B=2"


def test_literal_text_surrounds_actions() -> None:
    assert render("name={{.Name}};") == "name=/web;"


def test_dash_markers_trim_surrounding_space() -> None:
    assert render("a  {{- .Name -}}  b") == "a/webb"


def test_json_leaves_shell_characters_readable_like_docker() -> None:
    assert Template("{{json .}}").render({"x": "echo a >&2"}) == '{"x":"echo a >&2"}'


def test_unknown_functions_are_rejected() -> None:
    with pytest.raises(TemplateError, match='function "frobnicate" not defined'):
        Template("{{frobnicate .Name}}")
