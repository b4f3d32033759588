"""``docker import --change`` instructions edit the image config as dockerd's builder does."""

from __future__ import annotations

import pytest

from dockyard.errors import InvalidParameter
from dockyard.images.changes import build_config, parse_duration


def test_no_changes_give_dockers_zero_config() -> None:
    config = build_config([])
    assert config["Cmd"] is None and config["Env"] is None and config["WorkingDir"] == ""


def test_cmd_json_form_is_kept_as_exec_form() -> None:
    assert build_config(['CMD ["/bin/sh", "-c", "echo hi"]'])["Cmd"] == ["/bin/sh", "-c", "echo hi"]


def test_cmd_shell_form_runs_through_bin_sh() -> None:
    assert build_config(["CMD echo $HOME"])["Cmd"] == ["/bin/sh", "-c", "echo $HOME"]


def test_entrypoint_alone_clears_cmd() -> None:
    config = build_config(["ENTRYPOINT /init"])
    assert config["Entrypoint"] == ["/bin/sh", "-c", "/init"] and config["Cmd"] is None


def test_entrypoint_after_cmd_keeps_cmd() -> None:
    config = build_config(['CMD ["x"]', 'ENTRYPOINT ["e"]'])
    assert config["Cmd"] == ["x"] and config["Entrypoint"] == ["e"]


def test_env_pairs_expand_earlier_values_and_unquote() -> None:
    config = build_config(["ENV A=1", 'ENV B="two words" C=${A}x'])
    assert config["Env"] == ["A=1", "B=two words", "C=1x"]


def test_env_legacy_form_takes_the_rest_of_the_line() -> None:
    assert build_config(["ENV GREETING hello world"])["Env"] == ["GREETING=hello world"]


def test_env_replaces_an_earlier_value_of_the_same_key() -> None:
    assert build_config(["ENV A=1", "ENV A=2"])["Env"] == ["A=2"]


def test_workdir_relative_joins_the_previous_one() -> None:
    assert build_config(["WORKDIR /srv", "WORKDIR app/../data"])["WorkingDir"] == "/srv/data"


def test_user_label_volume_and_stopsignal_are_set() -> None:
    config = build_config(
        [
            "USER nobody",
            'LABEL a=1 "b c"=2',
            'VOLUME ["/data"]',
            "VOLUME /logs",
            "STOPSIGNAL SIGINT",
        ]
    )
    assert config["User"] == "nobody"
    assert config["Labels"] == {"a": "1", "b c": "2"}
    assert config["Volumes"] == {"/data": {}, "/logs": {}}
    assert config["StopSignal"] == "SIGINT"


def test_expose_accepts_protocols_and_ranges() -> None:
    config = build_config(["EXPOSE 80 53/udp 8000-8001"])
    assert config["ExposedPorts"] == {"80/tcp": {}, "53/udp": {}, "8000/tcp": {}, "8001/tcp": {}}


def test_healthcheck_flags_become_nanoseconds() -> None:
    config = build_config(["HEALTHCHECK --interval=30s --retries=3 CMD wget -q localhost"])
    assert config["Healthcheck"] == {
        "Test": ["CMD-SHELL", "wget -q localhost"],
        "Interval": 30_000_000_000,
        "Retries": 3,
    }


def test_unsupported_instruction_is_refused_with_dockers_message() -> None:
    with pytest.raises(InvalidParameter, match="^RUN is not a valid change command$"):
        build_config(["RUN echo"])


def test_an_invalid_instruction_anywhere_applies_nothing() -> None:
    with pytest.raises(InvalidParameter, match="FROM is not a valid change command"):
        build_config(["ENV A=1", "FROM scratch"])


def test_invalid_stop_signal_is_refused() -> None:
    with pytest.raises(InvalidParameter, match="Invalid signal: SIGNOPE"):
        build_config(["STOPSIGNAL SIGNOPE"])


def test_env_without_equals_in_a_later_pair_is_a_syntax_error() -> None:
    with pytest.raises(InvalidParameter, match="can't find ="):
        build_config(["ENV A=1 B"])


def test_go_durations_parse_compound_units() -> None:
    assert parse_duration("1m30.5s") == 90_500_000_000
