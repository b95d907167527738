"""Keeps tests offline: a connection attempt or a DNS lookup fails the test that made it."""

import contextlib
import ipaddress
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


LOCAL_NAMES = (None, "localhost", b"localhost")


def _is_name_lookup(host) -> bool:
    """A host name that would need a DNS query (numeric addresses and localhost do not)."""
    if host in LOCAL_NAMES:
        return False
    try:
        ipaddress.ip_address(host.decode() if isinstance(host, bytes) else host)
    except ValueError:
        return True
    return False


@contextlib.contextmanager
def network_blocked():
    """Block network connections and DNS lookups; yields the list of attempted addresses.

    The attempt raises at once, and the caller also gets the list, so that an attempt
    swallowed by a library's own `except Exception` is still reported.
    """
    attempts = []
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex
    original_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if _is_name_lookup(host):
            attempts.append((host, port))
            raise NetworkAccessAttempted(_message((host, port)))
        return original_getaddrinfo(host, port, *args, **kwargs)

    def guarded(original):
        def connect(sock, address):
            if sock.family in NETWORK_FAMILIES:
                attempts.append(address)
                raise NetworkAccessAttempted(_message(address))
            return original(sock, address)

        return connect

    socket.socket.connect = guarded(original_connect)
    socket.socket.connect_ex = guarded(original_connect_ex)
    socket.getaddrinfo = getaddrinfo
    try:
        yield attempts
    finally:
        socket.socket.connect = original_connect
        socket.socket.connect_ex = original_connect_ex
        socket.getaddrinfo = original_getaddrinfo


def fail_if_attempted(attempts) -> None:
    if attempts:
        raise NetworkAccessAttempted(_message(attempts[0]))
