"""Keeps tests offline: a connection attempt to another host fails the test that made it."""

import contextlib
import socket

# Unix-domain sockets stay allowed: DataLoader workers pass file descriptors over them.
NETWORK_FAMILIES = (socket.AF_INET, socket.AF_INET6)


class NetworkAccessAttempted(Exception):
    """Raised for any network connection made while a test runs."""


def _message(address) -> str:
    return (
        f"test tried to open a network connection to {address!r}; the suite runs offline "
        "(no pretrained weights, no download=True): make or ship the data instead"
    )


@contextlib.contextmanager
def network_blocked():
    """Block network connections; yields the list of attempted addresses.

    The attempt raises at once, and the caller also gets the list, so that an attempt
    swallowed by a library's own `except Exception` is still reported.
    """
    attempts = []
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex

    def guarded(original):
        def connect(sock, address):
            if sock.family in NETWORK_FAMILIES:
                attempts.append(address)
                raise NetworkAccessAttempted(_message(address))
            return original(sock, address)

        return connect

    socket.socket.connect = guarded(original_connect)
    socket.socket.connect_ex = guarded(original_connect_ex)
    try:
        yield attempts
    finally:
        socket.socket.connect = original_connect
        socket.socket.connect_ex = original_connect_ex


def fail_if_attempted(attempts) -> None:
    if attempts:
        raise NetworkAccessAttempted(_message(attempts[0]))
