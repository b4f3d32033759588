from typing import ClassVar as _ClassVar

from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message

DESCRIPTOR: _descriptor.FileDescriptor

class Options(_message.Message):
    __slots__ = (
        "no_pivot_root",
        "no_new_keyring",
        "shim_cgroup",
        "io_uid",
        "io_gid",
        "binary_name",
        "root",
        "systemd_cgroup",
        "criu_image_path",
        "criu_work_path",
        "task_api_address",
        "task_api_version",
    )
    NO_PIVOT_ROOT_FIELD_NUMBER: _ClassVar[int]
    NO_NEW_KEYRING_FIELD_NUMBER: _ClassVar[int]
    SHIM_CGROUP_FIELD_NUMBER: _ClassVar[int]
    IO_UID_FIELD_NUMBER: _ClassVar[int]
    IO_GID_FIELD_NUMBER: _ClassVar[int]
    BINARY_NAME_FIELD_NUMBER: _ClassVar[int]
    ROOT_FIELD_NUMBER: _ClassVar[int]
    SYSTEMD_CGROUP_FIELD_NUMBER: _ClassVar[int]
    CRIU_IMAGE_PATH_FIELD_NUMBER: _ClassVar[int]
    CRIU_WORK_PATH_FIELD_NUMBER: _ClassVar[int]
    TASK_API_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    TASK_API_VERSION_FIELD_NUMBER: _ClassVar[int]
    no_pivot_root: bool
    no_new_keyring: bool
    shim_cgroup: str
    io_uid: int
    io_gid: int
    binary_name: str
    root: str
    systemd_cgroup: bool
    criu_image_path: str
    criu_work_path: str
    task_api_address: str
    task_api_version: str
    def __init__(
        self,
        no_pivot_root: bool | None = ...,
        no_new_keyring: bool | None = ...,
        shim_cgroup: str | None = ...,
        io_uid: int | None = ...,
        io_gid: int | None = ...,
        binary_name: str | None = ...,
        root: str | None = ...,
        systemd_cgroup: bool | None = ...,
        criu_image_path: str | None = ...,
        criu_work_path: str | None = ...,
        task_api_address: str | None = ...,
        task_api_version: str | None = ...,
    ) -> None: ...
