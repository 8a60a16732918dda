"""
Generator-based reader for the Sans-I/O layer.

The I/O layer pushes bytes with :meth:`StreamReader.feed_data` and
:meth:`StreamReader.feed_eof`; parsers pull them with generator-based
coroutines such as :meth:`StreamReader.read_line`, which yield while the
buffer doesn't hold enough data yet.

"""

from __future__ import annotations

from collections.abc import Generator


__all__ = ["StreamReader"]


class StreamReader:
    """
    Generator-based stream reader.

    Calls to :meth:`read_line`, :meth:`read_exact` and :meth:`read_to_eof`
    must not overlap: run each one to completion before starting the next.

    """

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.eof = False

    def read_line(
        self,
        m: int,
        too_long_exc_type: type[Exception] = RuntimeError,
    ) -> Generator[None, None, bytearray]:
        """
        Read a line terminated by LF, LF included.

        This is a generator-based coroutine.

        Args:
            m: Maximum number of bytes to read, as a security limit.
            too_long_exc_type: Exception raised when the line is longer than
                ``m`` bytes; :exc:`RuntimeError` by default.

        Raises:
            EOFError: If the stream ends before a LF.
            RuntimeError: If the line is longer than ``m`` bytes.

        """
        # Only search the bytes that weren't searched during previous passes.
        p = 0
        while True:
            n = self.buffer.find(b"\n", p) + 1
            if n > 0:
                break
            p = len(self.buffer)
            # Fail as soon as the limit is exceeded, without waiting for a LF
            # that a malicious peer might never send.
            if p > m:
                raise too_long_exc_type(
                    f"read {p} bytes, expected no more than {m} bytes"
                )
            if self.eof:
                raise EOFError(f"stream ends after {p} bytes, before end of line")
            yield
        if n > m:
            raise too_long_exc_type(f"read {n} bytes, expected no more than {m} bytes")
        r = self.buffer[:n]
        del self.buffer[:n]
        return r

    def read_exact(self, n: int) -> Generator[None, None, bytearray]:
        """
        Read exactly ``n`` bytes.

        This is a generator-based coroutine.

        Args:
            n: How many bytes to read.

        Raises:
            EOFError: If the stream ends before ``n`` bytes are available.

        """
        assert n >= 0
        while len(self.buffer) < n:
            if self.eof:
                p = len(self.buffer)
                raise EOFError(f"stream ends after {p} bytes, expected {n} bytes")
            yield
        r = self.buffer[:n]
        del self.buffer[:n]
        return r

    def read_to_eof(
        self,
        m: int,
        too_long_exc_type: type[Exception] = RuntimeError,
    ) -> Generator[None, None, bytearray]:
        """
        Read all bytes until the end of the stream.

        This is a generator-based coroutine.

        Args:
            m: Maximum number of bytes to read, as a security limit.
            too_long_exc_type: Exception raised when the stream holds more
                than ``m`` bytes; :exc:`RuntimeError` by default.

        Raises:
            RuntimeError: If the stream holds more than ``m`` bytes.

        """
        # The limit is checked while waiting for the end of the stream, to
        # stop buffering data from a peer that sends too much. Once the
        # stream has ended, whatever was already buffered is returned.
        while not self.eof:
            p = len(self.buffer)
            if p > m:
                raise too_long_exc_type(
                    f"read {p} bytes, expected no more than {m} bytes"
                )
            yield
        r = self.buffer[:]
        del self.buffer[:]
        return r

    def at_eof(self) -> Generator[None, None, bool]:
        """
        Tell whether the stream has ended and all data was read.

        This is a generator-based coroutine.

        """
        while True:
            if self.buffer:
                return False
            if self.eof:
                return True
            # An empty buffer isn't enough to decide: more data may arrive.
            yield

    def feed_data(self, data: bytes | bytearray) -> None:
        """
        Write data to the stream.

        Args:
            data: Data to write.

        Raises:
            EOFError: If the stream has ended.

        """
        if self.eof:
            raise EOFError("stream ended")
        self.buffer += data

    def feed_eof(self) -> None:
        """
        End the stream.

        Raises:
            EOFError: If the stream has already ended.

        """
        if self.eof:
            raise EOFError("stream ended")
        self.eof = True

    def discard(self) -> None:
        """
        Drop all buffered data without ending the stream.

        """
        del self.buffer[:]
