"""Where composed messages go: an SMTP server, or .eml files in development."""

from __future__ import annotations

import smtplib
import ssl
import time
import uuid
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from flask import current_app


class Transport(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Deliver or raise; the queue retries whatever raised."""


class SmtpTransport:
    def __init__(
        self, host: str, port: int, username: str = "", password: str = "", use_tls: bool = True, timeout: float = 20
    ):
        self.host, self.port, self.username, self.password = host, port, username, password
        self.use_tls, self.timeout = use_tls, timeout

    def send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.use_tls:
                smtp.starttls(context=ssl.create_default_context())
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(message)


class SinkTransport:
    """Development: each message becomes one .eml file (open it in any mail program)."""

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)

    def send(self, message: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:12]}.eml"
        partial = self.directory / (name + ".part")
        partial.write_bytes(bytes(message))
        partial.rename(self.directory / name)  # a reader never sees half a message


def from_config() -> Transport:
    config = current_app.config
    if config["MAIL_SERVER"]:
        return SmtpTransport(
            config["MAIL_SERVER"],
            config["MAIL_PORT"],
            config["MAIL_USERNAME"],
            config["MAIL_PASSWORD"],
            config["MAIL_USE_TLS"],
            config["MAIL_TIMEOUT_SECONDS"],
        )
    if not config["MAIL_SINK_DIR"]:
        raise RuntimeError("Set MAIL_SERVER (or MAIL_SINK_DIR in development) to send email.")
    return SinkTransport(config["MAIL_SINK_DIR"])
