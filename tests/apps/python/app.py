"""A Python app built with componentize-py for a `wasi:cli/command@0.2.0` world (`wit/world.wit`).

It observes what the host (and the policy in front of it) lets it see, one line per
observation, catching every failure the way a Python program does: as an exception. The tests in
`tests/tests/toolchains.rs` assert on these lines.

argv[1], if present, is a `HOST:PORT` to open a TCP connection to.
"""

import datetime
import encodings.idna  # noqa: F401 (`socket` looks it up at run time; componentize-py snapshots imports)
import errno
import os
import socket
import sys

from wit_world import exports


def describe(error: BaseException) -> str:
    """`ClassName` or `ClassName:ERRNO` for an exception."""
    name = type(error).__name__
    code = getattr(error, "errno", None)
    if isinstance(code, int):
        return f"{name}:{errno.errorcode.get(code, code)}"
    return name


def observe_env() -> None:
    for name in ("SECRET_TOKEN", "HOME", "LANG"):
        print(f"env {name}={os.environ.get(name, 'missing')}")
    print(f"env count={len(os.environ)}")


def observe_read() -> None:
    try:
        with open("/data/data.txt", encoding="utf-8") as file:
            print(f"read data.txt={file.read().strip()}")
    except OSError as error:
        print(f"read data.txt={describe(error)}")


def observe_write() -> None:
    try:
        with open("/data/out.txt", "w", encoding="utf-8") as file:
            file.write("written by python\n")
        print("write out.txt=ok")
    except OSError as error:
        print(f"write out.txt={describe(error)}")


def observe_time_and_random() -> None:
    now = datetime.datetime.now(datetime.timezone.utc)
    print(f"time={now.strftime('%Y-%m-%dT%H:%M:%SZ')}")
    print(f"random={os.urandom(8).hex()}")


def observe_connect(address: str | None) -> None:
    if address is None:
        print("connect=no-address")
        return
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port))):
            pass
        print("connect=ok")
    except OSError as error:
        print(f"connect={describe(error)}")


def observe_stdin() -> None:
    try:
        data = sys.stdin.buffer.read()
        print(f"stdin={len(data)}")
    except OSError as error:
        print(f"stdin={describe(error)}")


class Run(exports.Run):
    def run(self) -> None:
        observe_env()
        observe_read()
        observe_write()
        observe_time_and_random()
        observe_connect(sys.argv[1] if len(sys.argv) > 1 else None)
        observe_stdin()
        print("done")
        sys.stdout.flush()
